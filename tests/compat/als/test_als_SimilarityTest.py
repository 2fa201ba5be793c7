"""Oryx 2's ``SimilarityTest``: ``/similarity`` on ``TestALSModelFactory``'s model.

An item's score is its cosine similarity to the sum of the given items' vectors (Oryx 2's
``CosineAverageFunction``), which orders I5 second for I0/I4/I6 and scores the third item 0.9125432970065859.
"""

from __future__ import annotations

import pytest
from compat.conftest import Oryx2Server
from compat.jersey import JSON, get_json, get_status, get_text
from compat.oryx2_checks import (
    DOUBLE_EPSILON,
    check_csv_top,
    check_how_many,
    check_offset,
    check_top_by_value,
    id_values,
)


def testNoArg(als: Oryx2Server) -> None:
    assert get_status(als.client, "/similarity") == 404


def testSimilarItems(als: Oryx2Server) -> None:
    recs = id_values(get_json(als.client, "/similarity/I0/I4/I6"))
    check_top_by_value(6, recs, reverse=False)
    assert recs[1][0] == "I5"
    assert recs[2][1] == pytest.approx(0.9125432970065859, abs=DOUBLE_EPSILON)


def testHowMany(als: Oryx2Server) -> None:
    check_how_many(als.client, "/similarity/I0/I2/I4", 10, 6)
    check_how_many(als.client, "/similarity/I0/I2/I4", 9, 6)
    check_how_many(als.client, "/similarity/I0/I2/I4", 5, 5)


def testOffset(als: Oryx2Server) -> None:
    check_offset(als.client, "/similarity/I0/I2/I6", 2, 1, 2)
    check_offset(als.client, "/similarity/I0/I2/I6", 3, 1, 3)
    check_offset(als.client, "/similarity/I0/I2/I6", 1, 1, 1)
    check_offset(als.client, "/similarity/I0/I2/I6", 3, 3, 3)


def testSimilarityCSV(als: Oryx2Server) -> None:
    check_csv_top(6, get_text(als.client, "/similarity/I0/I4/I6"))


def testBadHowMany(als: Oryx2Server) -> None:
    assert get_status(als.client, "/similarity/I0/I2/I4", {"howMany": -1}, accept=JSON) == 400


def testBadOffset(als: Oryx2Server) -> None:
    assert get_status(als.client, "/similarity/I0/I2/I6", {"howMany": 3, "offset": -1}, accept=JSON) == 400


def testTooMany(als: Oryx2Server) -> None:
    assert get_status(als.client, "/similarity/I0/I2/I4", {"howMany": 100001}, accept=JSON) == 400


def testRescorer(als: Oryx2Server) -> None:
    recs = id_values(get_json(als.client, "/similarity/I0/I4/I6", {"rescorerParams": "foo"}))
    check_top_by_value(4, recs, reverse=False)
    assert recs[1][0] == "I5"
    assert recs[2][1] == pytest.approx(2.0 * 0.9125432970065859, abs=DOUBLE_EPSILON)
