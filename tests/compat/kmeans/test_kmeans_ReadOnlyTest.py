"""Oryx 2's k-means ``ReadOnlyTest``: ``POST /add`` answers 403 when read-only."""

from __future__ import annotations

from compat.conftest import Oryx2Server
from compat.jersey import post_text

ADD_DATA = "1.0,0.0,20.0\n1.0,-4.0,30.0\n0.0,0.0,40.0\n0.0,-4.0,50.0"


def testNoAdd(kmeans_read_only: Oryx2Server) -> None:
    assert post_text(kmeans_read_only.client, "/add", ADD_DATA).status_code == 403
    assert kmeans_read_only.input_messages() == []
