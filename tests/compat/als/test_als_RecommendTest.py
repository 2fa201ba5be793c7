"""Oryx 2's ``RecommendTest``: ``/recommend`` on ``TestALSModelFactory``'s model (one test per upstream method)."""

from __future__ import annotations

import pytest
from compat.conftest import Oryx2Server
from compat.jersey import get_json, get_status, get_text
from compat.oryx2_checks import (
    FLOAT_EPSILON,
    check_csv_top,
    check_how_many,
    check_offset,
    check_top_by_value,
    id_values,
)


def testRecommend(als: Oryx2Server) -> None:
    recs = id_values(get_json(als.client, "/recommend/U0"))
    check_top_by_value(6, recs, reverse=False)
    assert recs[0][0] == "I1"
    assert recs[0][1] == pytest.approx(0.4653969, abs=FLOAT_EPSILON)


def testRecommendCSV(als: Oryx2Server) -> None:
    check_csv_top(6, get_text(als.client, "/recommend/U0"))


def testHowMany(als: Oryx2Server) -> None:
    check_how_many(als.client, "/recommend/U5", 10, 2)
    check_how_many(als.client, "/recommend/U5", 2, 2)
    check_how_many(als.client, "/recommend/U5", 1, 1)


def testBadHowMany(als: Oryx2Server) -> None:
    assert get_status(als.client, "/recommend/U5", {"howMany": -1}, accept="application/json") == 400


def testOffset(als: Oryx2Server) -> None:
    check_offset(als.client, "/recommend/U6", 2, 1, 2)
    check_offset(als.client, "/recommend/U6", 3, 1, 2)
    check_offset(als.client, "/recommend/U6", 1, 1, 1)
    check_offset(als.client, "/recommend/U6", 3, 3, 0)


def testTooMany(als: Oryx2Server) -> None:
    assert get_status(als.client, "/recommend/U5", {"howMany": 100001}, accept="application/json") == 400


def testBadOffset(als: Oryx2Server) -> None:
    query = {"howMany": 3, "offset": -1}
    assert get_status(als.client, "/recommend/U6", query, accept="application/json") == 400


def testConsiderKnownItems(als: Oryx2Server) -> None:
    normal = id_values(get_json(als.client, "/recommend/U4"))
    assert len(normal) == 3
    assert normal[0][0] == "I2"
    assert normal[0][1] == pytest.approx(0.14134796, abs=FLOAT_EPSILON)
    with_consider = id_values(get_json(als.client, "/recommend/U4", {"considerKnownItems": "true"}))
    assert len(with_consider) == 9
    assert with_consider[0][0] == "I7"
    assert with_consider[0][1] == pytest.approx(2.0047457, abs=FLOAT_EPSILON)


def testNoArg(als: Oryx2Server) -> None:
    assert get_status(als.client, "/recommend") == 404


def testRescorer(als: Oryx2Server) -> None:
    normal = id_values(get_json(als.client, "/recommend/U4", {"rescorerParams": "foo"}))
    assert len(normal) == 1
    assert normal[0][0] == "I3"
    assert normal[0][1] == pytest.approx(2.0 * -0.2599307, abs=FLOAT_EPSILON)
