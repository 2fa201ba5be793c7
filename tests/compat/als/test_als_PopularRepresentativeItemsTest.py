"""Oryx 2's ``PopularRepresentativeItemsTest``: ``/popularRepresentativeItems`` on ``TestALSModelFactory``'s model."""

from __future__ import annotations

from compat.conftest import Oryx2Server
from compat.jersey import get_json, get_text
from compat.oryx2_checks import java_split_lines


def testPopularRepresentativeItems(als: Oryx2Server) -> None:
    items = get_json(als.client, "/popularRepresentativeItems")
    assert len(items) == 2
    assert items[0] in ("I0", "I3")  # tied in this model, as upstream notes
    assert items[1] == "I4"


def testPopularRepresentativeItemsCSV(als: Oryx2Server) -> None:
    assert len(java_split_lines(get_text(als.client, "/popularRepresentativeItems"))) == 2
