"""Oryx 2's ALS ``ReadOnlyTest``: with ``oryx.serving.api.read-only`` the write endpoints answer 403.

Oryx 2 could only test this with a mock manager (a real read-only serving layer had no input producer and failed
to start, spec section 8); here the real manager runs read-only, and nothing reaches the input topic.
"""

from __future__ import annotations

from compat.conftest import Oryx2Server
from compat.jersey import post_text

INGEST_DATA = "a,B,1\nc,B\nc,D,5.5\nc,D,\na,C,2,123456789"


def testNoIngest(als_read_only: Oryx2Server) -> None:
    assert post_text(als_read_only.client, "/ingest", INGEST_DATA).status_code == 403
    assert als_read_only.input_messages() == []


def testNoPreference(als_read_only: Oryx2Server) -> None:
    assert post_text(als_read_only.client, "/pref/U2/I2", "aBc!").status_code == 403
    assert als_read_only.input_messages() == []
