"""Oryx 2's ``BecauseTest``: ``/because`` on ``TestALSModelFactory``'s model."""

from __future__ import annotations

import pytest
from compat.conftest import Oryx2Server
from compat.jersey import get_json, get_status, get_text
from compat.oryx2_checks import (
    DOUBLE_EPSILON,
    check_csv_top,
    check_how_many,
    check_offset,
    check_top_by_value,
    id_values,
)


def testBecause(als: Oryx2Server) -> None:
    recs = id_values(get_json(als.client, "/because/U0/I0"))
    check_top_by_value(3, recs, reverse=False)
    assert recs[0][0] == "I0"
    assert recs[0][1] == pytest.approx(1.0, abs=DOUBLE_EPSILON)


def testBecauseCSV(als: Oryx2Server) -> None:
    check_csv_top(3, get_text(als.client, "/because/U0/I0"))


def testNoArg(als: Oryx2Server) -> None:
    assert get_status(als.client, "/because") == 404


def testHowMany(als: Oryx2Server) -> None:
    check_how_many(als.client, "/because/U5/I4", 10, 7)
    check_how_many(als.client, "/because/U5/I4", 9, 7)
    check_how_many(als.client, "/because/U5/I4", 5, 5)


def testOffset(als: Oryx2Server) -> None:
    check_offset(als.client, "/because/U6/I6", 2, 1, 2)
    check_offset(als.client, "/because/U6/I6", 3, 1, 3)
    check_offset(als.client, "/because/U6/I6", 1, 1, 1)
    check_offset(als.client, "/because/U6/I6", 3, 3, 3)
