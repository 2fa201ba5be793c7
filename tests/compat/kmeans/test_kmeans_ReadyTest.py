"""Oryx 2's k-means ``ReadyTest``: ``GET`` and ``HEAD /ready`` answer 200 once the model is loaded."""

from __future__ import annotations

from compat.conftest import Oryx2Server


def testGet(kmeans: Oryx2Server) -> None:
    assert kmeans.client.get("/ready").status_code == 200


def testHead(kmeans: Oryx2Server) -> None:
    assert kmeans.client.head("/ready").status_code == 200
