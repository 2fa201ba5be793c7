"""Oryx 2's ``AllItemIDsTest``: ``/item/allIDs`` on ``TestALSModelFactory``'s model."""

from __future__ import annotations

from compat.conftest import Oryx2Server
from compat.jersey import get_json, get_text
from compat.oryx2_checks import java_split_lines


def testAllItemIDs(als: Oryx2Server) -> None:
    items = get_json(als.client, "/item/allIDs")
    assert len(items) == 9
    assert set(items) == {f"I{item}" for item in range(9)}


def testAllItemIDsCSV(als: Oryx2Server) -> None:
    assert len(java_split_lines(get_text(als.client, "/item/allIDs"))) == 9
