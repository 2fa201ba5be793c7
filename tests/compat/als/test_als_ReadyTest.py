"""Oryx 2's ALS ``ReadyTest``: ``GET`` and ``HEAD /ready`` answer 200 once the model is loaded."""

from __future__ import annotations

from compat.conftest import Oryx2Server


def testGet(als: Oryx2Server) -> None:
    assert als.client.get("/ready").status_code == 200


def testHead(als: Oryx2Server) -> None:
    assert als.client.head("/ready").status_code == 200
