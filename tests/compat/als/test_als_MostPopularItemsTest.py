"""Oryx 2's ``MostPopularItemsTest``: ``/mostPopularItems`` (known-item counts) on ``TestALSModelFactory``'s model."""

from __future__ import annotations

from compat.conftest import Oryx2Server
from compat.jersey import get_json, get_text
from compat.oryx2_checks import check_csv_top, check_top_count


def testMostPopular(als: Oryx2Server) -> None:
    top = get_json(als.client, "/mostPopularItems")
    check_top_count(9, top)
    assert top[0]["count"] == 6
    assert top[1]["count"] == 6


def testMostPopularCSV(als: Oryx2Server) -> None:
    check_csv_top(9, get_text(als.client, "/mostPopularItems"), counts=True)


def testRescorer(als: Oryx2Server) -> None:
    top = get_json(als.client, "/mostPopularItems", {"rescorerParams": "foo"})
    assert len(top) == 4
    assert top[0]["count"] == 6
    assert top[1]["count"] == 5
