"""Oryx 2's ``RecommendToManyTest``: ``/recommendToMany`` on ``TestALSModelFactory``'s model."""

from __future__ import annotations

import pytest
from compat.conftest import Oryx2Server
from compat.jersey import JSON, get_json, get_status, get_text
from compat.oryx2_checks import (
    FLOAT_EPSILON,
    check_csv_top,
    check_how_many,
    check_offset,
    check_top_by_value,
    id_values,
)


def testRecommendToMany(als: Oryx2Server) -> None:
    recs = id_values(get_json(als.client, "/recommendToMany/U0/U2"))
    check_top_by_value(2, recs, reverse=False)
    assert recs[0][0] == "I1"
    assert recs[0][1] == pytest.approx(0.34344634, abs=FLOAT_EPSILON)


def testNoArg(als: Oryx2Server) -> None:
    assert get_status(als.client, "/recommendToMany") == 404


def testHowMany(als: Oryx2Server) -> None:
    check_how_many(als.client, "/recommendToMany/U2/U5", 10, 2)
    check_how_many(als.client, "/recommendToMany/U5", 2, 2)
    check_how_many(als.client, "/recommendToMany/U2", 1, 1)


def testBadHowMany(als: Oryx2Server) -> None:
    assert get_status(als.client, "/recommendToMany/U5", {"howMany": -1}, accept=JSON) == 400


def testOffset(als: Oryx2Server) -> None:
    check_offset(als.client, "/recommendToMany/U0/U6", 5, 0, 1)
    check_offset(als.client, "/recommendToMany/U0/U6", 3, 0, 1)
    check_offset(als.client, "/recommendToMany/U6", 1, 1, 1)
    check_offset(als.client, "/recommendToMany/U6", 3, 3, 0)


def testTooMany(als: Oryx2Server) -> None:
    assert get_status(als.client, "/recommendToMany/U5", {"howMany": 100001}, accept=JSON) == 400


def testBadOffset(als: Oryx2Server) -> None:
    assert get_status(als.client, "/recommendToMany/U6", {"howMany": 3, "offset": -1}, accept=JSON) == 400


def testConsiderKnownItems(als: Oryx2Server) -> None:
    normal = id_values(get_json(als.client, "/recommendToMany/U4"))
    assert len(normal) == 3
    assert normal[0][0] == "I2"
    assert normal[0][1] == pytest.approx(0.14134796, abs=FLOAT_EPSILON)
    with_consider = id_values(get_json(als.client, "/recommendToMany/U4", {"considerKnownItems": "true"}))
    assert len(with_consider) == 9
    assert with_consider[0][0] == "I7"
    assert with_consider[0][1] == pytest.approx(2.0047457, abs=FLOAT_EPSILON)


def testRecommendToManyCSV(als: Oryx2Server) -> None:
    check_csv_top(2, get_text(als.client, "/recommendToMany/U0/U2"))


def testRescorer(als: Oryx2Server) -> None:
    recs = id_values(get_json(als.client, "/recommendToMany/U0/U2", {"rescorerParams": "foo"}))
    check_top_by_value(2, recs, reverse=False)
    assert recs[0][0] == "I1"
    assert recs[0][1] == pytest.approx(2.0 * 0.34344634, abs=FLOAT_EPSILON)
