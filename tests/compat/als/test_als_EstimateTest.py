"""Oryx 2's ``EstimateTest``: ``/estimate`` on ``TestALSModelFactory``'s model."""

from __future__ import annotations

import pytest
from compat.conftest import Oryx2Server
from compat.jersey import get_json, get_status, get_text
from compat.oryx2_checks import FLOAT_EPSILON, check_csv_scores


def testEstimate(als: Oryx2Server) -> None:
    items = get_json(als.client, "/estimate/U0/I0/I1/I2")
    assert len(items) == 3
    assert items[0] == pytest.approx(0.38761318, abs=FLOAT_EPSILON)
    assert items[1] == pytest.approx(0.4653969, abs=FLOAT_EPSILON)
    assert items[2] == pytest.approx(-0.0801478, abs=FLOAT_EPSILON)


def testEstimateCSV(als: Oryx2Server) -> None:
    check_csv_scores(3, get_text(als.client, "/estimate/U0/I0/I1/I2"))


def testBadRequest(als: Oryx2Server) -> None:
    assert get_status(als.client, "/estimate/Z") == 404


def testZeroEstimate(als: Oryx2Server) -> None:
    items = get_json(als.client, "/estimate/U0/I10")
    assert len(items) == 1
    assert items[0] == pytest.approx(0.0, abs=FLOAT_EPSILON)
