"""Oryx 2's ``MostActiveUsersTest``: ``/mostActiveUsers`` on ``TestALSModelFactory``'s model.

Upstream names its methods ``testMostPopular``, ``testMostPopularCSV`` and ``testRescorer``; so do these.
"""

from __future__ import annotations

from compat.conftest import Oryx2Server
from compat.jersey import get_json, get_text
from compat.oryx2_checks import check_csv_top, check_top_count


def testMostPopular(als: Oryx2Server) -> None:
    top = get_json(als.client, "/mostActiveUsers")
    check_top_count(7, top)
    assert top[0]["count"] == 7
    assert top[1]["count"] == 6


def testMostPopularCSV(als: Oryx2Server) -> None:
    check_csv_top(7, get_text(als.client, "/mostActiveUsers"), counts=True)


def testRescorer(als: Oryx2Server) -> None:
    top = get_json(als.client, "/mostActiveUsers", {"rescorerParams": "foo"})
    assert len(top) == 3
    assert top[0]["count"] == 7
    assert top[1]["count"] == 5
