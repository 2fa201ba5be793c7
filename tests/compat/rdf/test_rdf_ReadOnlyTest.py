"""Oryx 2's RDF ``ReadOnlyTest``: ``POST /train`` answers 403 when read-only."""

from __future__ import annotations

from compat.conftest import Oryx2Server
from compat.jersey import post_text

TRAIN_DATA = "B,0,20\nB,-4,30\nA,0,40\nA,-4,50"


def testNoTrain(rdf_read_only: Oryx2Server) -> None:
    assert post_text(rdf_read_only.client, "/train", TRAIN_DATA).status_code == 403
    assert rdf_read_only.input_messages() == []
