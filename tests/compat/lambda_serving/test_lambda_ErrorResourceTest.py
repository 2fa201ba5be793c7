"""Oryx 2's ``ErrorResourceTest``: an unexpected exception answers 500 with an error page naming it.

Oryx 2's page says ``Error 500 : <URI>``, the exception's message and its stack trace; ours keeps the first line
and the exception's type and, deliberately, leaves the message and trace to the log (they can carry data and
internals, CWE-209; README "Differences from Oryx 2"). Oryx 2 rendered HTML, text or an empty body by ``Accept``;
ours is the same text for every client.
"""

from __future__ import annotations

from collections.abc import Callable

from compat.conftest import Oryx2Server
from compat.lambda_serving.oryx2_test_resources import MANAGER, RESOURCES


def testError(serve: Callable[..., Oryx2Server]) -> None:
    client = serve([], RESOURCES, MANAGER).client
    for accept in ("text/html", "text/plain", "*/*"):
        response = client.get("/error", headers={"Accept": accept})
        assert response.status_code == 500
        assert "500" in response.text
        assert "/error" in response.text
        assert "IllegalStateException" in response.text
        assert "Something was wrong" not in response.text
