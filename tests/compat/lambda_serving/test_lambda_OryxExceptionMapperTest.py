"""Oryx 2's ``OryxExceptionMapperTest``: an ``OryxServingException`` is its status with its message as the body."""

from __future__ import annotations

from collections.abc import Callable

from compat.conftest import Oryx2Server
from compat.lambda_serving.oryx2_test_resources import MANAGER, RESOURCES


def testMap(serve: Callable[..., Oryx2Server]) -> None:
    response = serve([], RESOURCES, MANAGER).client.get("/badRequest")
    assert (response.status_code, response.text) == (400, "Bad request")
