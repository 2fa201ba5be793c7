"""Oryx 2's RDF ``ReadyTest``: ``GET`` and ``HEAD /ready`` answer 200 once the model is loaded."""

from __future__ import annotations

from compat.conftest import Oryx2Server


def testGet(rdf: Oryx2Server) -> None:
    assert rdf.client.get("/ready").status_code == 200


def testHead(rdf: Oryx2Server) -> None:
    assert rdf.client.head("/ready").status_code == 200
