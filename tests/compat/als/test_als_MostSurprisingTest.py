"""Oryx 2's ``MostSurprisingTest``: ``/mostSurprising`` on ``TestALSModelFactory``'s model."""

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


def testNoArg(als: Oryx2Server) -> None:
    assert get_status(als.client, "/mostSurprising") == 404


def testMostSurprising(als: Oryx2Server) -> None:
    recs = id_values(get_json(als.client, "/mostSurprising/U0"))
    check_top_by_value(3, recs, reverse=True)
    assert recs[0][0] == "I0"
    assert recs[0][1] == pytest.approx(0.38761317555864894, abs=DOUBLE_EPSILON)


def testMostSurprisingCSV(als: Oryx2Server) -> None:
    check_csv_top(3, get_text(als.client, "/mostSurprising/U0"), reverse=True)


def testHowMany(als: Oryx2Server) -> None:
    check_how_many(als.client, "/mostSurprising/U4", 10, 6)
    check_how_many(als.client, "/mostSurprising/U4", 9, 6)
    check_how_many(als.client, "/mostSurprising/U4", 5, 5)


def testOffset(als: Oryx2Server) -> None:
    check_offset(als.client, "/mostSurprising/U4", 10, 0, 6)
    check_offset(als.client, "/mostSurprising/U4", 9, 3, 3)
    check_offset(als.client, "/mostSurprising/U4", 5, 6, 0)
