"""Oryx 2's ``RecommendWithContextTest``: ``/recommendWithContext`` on ``TestALSModelFactory``'s model.

Upstream keeps a commented-out ``testConsiderKnownItems`` (not a test there, so not one here). An empty context
after the user (``/recommendWithContext/U0/``) recommends for the user as ``/recommend`` does.
"""

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


def testRecommend(als: Oryx2Server) -> None:
    recs = id_values(get_json(als.client, "/recommendWithContext/U0/"))
    check_top_by_value(6, recs, reverse=False)
    assert recs[0][0] == "I1"
    assert recs[0][1] == pytest.approx(0.4653969, abs=FLOAT_EPSILON)


def testRecommendCSV(als: Oryx2Server) -> None:
    check_csv_top(6, get_text(als.client, "/recommendWithContext/U0/"))


def testHowMany(als: Oryx2Server) -> None:
    check_how_many(als.client, "/recommendWithContext/U5/", 10, 2)
    check_how_many(als.client, "/recommendWithContext/U5/", 2, 2)
    check_how_many(als.client, "/recommendWithContext/U5/", 1, 1)


def testBadHowMany(als: Oryx2Server) -> None:
    assert get_status(als.client, "/recommendWithContext/U5/", {"howMany": -1}, accept=JSON) == 400


def testOffset(als: Oryx2Server) -> None:
    check_offset(als.client, "/recommendWithContext/U6/", 2, 1, 2)
    check_offset(als.client, "/recommendWithContext/U6/", 3, 1, 2)
    check_offset(als.client, "/recommendWithContext/U6/", 1, 1, 1)
    check_offset(als.client, "/recommendWithContext/U6/", 3, 3, 0)


def testTooMany(als: Oryx2Server) -> None:
    assert get_status(als.client, "/recommendWithContext/U5/", {"howMany": 100001}, accept=JSON) == 400


def testBadOffset(als: Oryx2Server) -> None:
    assert get_status(als.client, "/recommendWithContext/U6/", {"howMany": 3, "offset": -1}, accept=JSON) == 400


def testNoArg(als: Oryx2Server) -> None:
    assert get_status(als.client, "/recommendWithContext/U0", accept=JSON) == 404


def testBadArg(als: Oryx2Server) -> None:
    assert get_status(als.client, "/recommendWithContext/foo/") == 404


def testRescorer(als: Oryx2Server) -> None:
    normal = id_values(get_json(als.client, "/recommendWithContext/U4/", {"rescorerParams": "foo"}))
    assert len(normal) == 1
    assert normal[0][0] == "I3"
    assert normal[0][1] == pytest.approx(2.0 * -0.2599307, abs=FLOAT_EPSILON)


def testRecommendWithContext(als: Oryx2Server) -> None:
    recs = id_values(get_json(als.client, "/recommendWithContext/U0/I4=1.0/I5=2.0"))
    check_top_by_value(5, recs, reverse=False)
    assert recs[0][0] == "I1"
    assert recs[0][1] == pytest.approx(0.51607955, abs=FLOAT_EPSILON)


def testRecommendWithContextCSV(als: Oryx2Server) -> None:
    check_csv_top(5, get_text(als.client, "/recommendWithContext/U0/I4=1.0/I5=2.0"))


def testRecommendWithContextWithUnknown(als: Oryx2Server) -> None:
    check_csv_top(5, get_text(als.client, "/recommendWithContext/U0/foo/I4=1.0/I5=2.0"))


def testRecommendWithContextWithAllUnknown(als: Oryx2Server) -> None:
    check_csv_top(6, get_text(als.client, "/recommendWithContext/U0/foo"))
