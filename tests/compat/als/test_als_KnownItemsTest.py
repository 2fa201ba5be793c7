"""Oryx 2's ``KnownItemsTest``: ``/knownItems`` on ``TestALSModelFactory``'s model."""

from __future__ import annotations

from compat.conftest import Oryx2Server
from compat.jersey import get_json, get_text
from compat.oryx2_checks import java_split_lines


def testKnownItems(als: Oryx2Server) -> None:
    items = get_json(als.client, "/knownItems/U1")
    assert len(items) == 5
    assert set(items) == {"I1", "I4", "I5", "I7", "I8"}


def testKnownItemsCSV(als: Oryx2Server) -> None:
    items = java_split_lines(get_text(als.client, "/knownItems/U1"))
    assert len(items) == 5
    assert set(items) == {"I1", "I4", "I5", "I7", "I8"}


def testEmptyItems(als: Oryx2Server) -> None:
    assert get_json(als.client, "/knownItems/X1") == []
