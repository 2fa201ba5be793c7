"""Oryx 2's ``RecommendToAnonymousTest``: ``/recommendToAnonymous`` (fold-in) on ``TestALSModelFactory``'s model."""

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


def testRecommendToAnonymous(als: Oryx2Server) -> None:
    recs = id_values(get_json(als.client, "/recommendToAnonymous/I4=1.0/I5=2.0"))
    check_top_by_value(7, recs, reverse=False)
    assert recs[0][0] == "I7"
    assert recs[0][1] == pytest.approx(0.35964763, abs=FLOAT_EPSILON)


def testRecommendToAnonymousCSV(als: Oryx2Server) -> None:
    check_csv_top(7, get_text(als.client, "/recommendToAnonymous/I4=1.0/I5=2.0"))


def testRecommendToAnonymousWithUnknown(als: Oryx2Server) -> None:
    check_csv_top(7, get_text(als.client, "/recommendToAnonymous/foo/I4=1.0/I5=2.0"))


def testRecommendToAnonymousWithAllUnknown(als: Oryx2Server) -> None:
    assert get_status(als.client, "/recommendToAnonymous/foo") == 400


def testHowMany(als: Oryx2Server) -> None:
    check_how_many(als.client, "/recommendToAnonymous/I1", 10, 8)
    check_how_many(als.client, "/recommendToAnonymous/I1", 2, 2)
    check_how_many(als.client, "/recommendToAnonymous/I1", 1, 1)


def testBadHowMany(als: Oryx2Server) -> None:
    assert get_status(als.client, "/recommendToAnonymous/I1", {"howMany": -1}, accept=JSON) == 400


def testOffset(als: Oryx2Server) -> None:
    check_offset(als.client, "/recommendToAnonymous/I1", 2, 1, 2)
    check_offset(als.client, "/recommendToAnonymous/I1", 3, 7, 1)
    check_offset(als.client, "/recommendToAnonymous/I1", 1, 1, 1)
    check_offset(als.client, "/recommendToAnonymous/I1", 3, 8, 0)


def testTooMany(als: Oryx2Server) -> None:
    assert get_status(als.client, "/recommendToAnonymous/I1", {"howMany": 100001}, accept=JSON) == 400


def testBadOffset(als: Oryx2Server) -> None:
    assert get_status(als.client, "/recommendToAnonymous/I1", {"howMany": 3, "offset": -1}, accept=JSON) == 400


def testNoArg(als: Oryx2Server) -> None:
    assert get_status(als.client, "/recommendToAnonymous") == 404


def testRescorer(als: Oryx2Server) -> None:
    recs = id_values(get_json(als.client, "/recommendToAnonymous/I4=1.0/I5=2.0", {"rescorerParams": "foo"}))
    check_top_by_value(3, recs, reverse=False)
    assert recs[0][0] == "I7"
    assert recs[0][1] == pytest.approx(2.0 * 0.35964763, abs=FLOAT_EPSILON)
