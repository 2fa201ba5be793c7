"""Oryx 2's ``SimilarityToItemTest``: ``/similarityToItem`` on ``TestALSModelFactory``'s model."""

from __future__ import annotations

import pytest
from compat.conftest import Oryx2Server
from compat.jersey import get_json, get_status, get_text
from compat.oryx2_checks import FLOAT_EPSILON, check_csv_scores


def testNoArg(als: Oryx2Server) -> None:
    assert get_status(als.client, "/similarityToItem") == 404


def testSimilarityToItem(als: Oryx2Server) -> None:
    items = get_json(als.client, "/similarityToItem/I0/I1/I2")
    assert len(items) == 2
    assert items[0] == pytest.approx(0.9042603, abs=FLOAT_EPSILON)
    assert items[1] == pytest.approx(-0.26486862, abs=FLOAT_EPSILON)


def testSimilarityToItemCSV(als: Oryx2Server) -> None:
    check_csv_scores(2, get_text(als.client, "/similarityToItem/I0/I1/I2"))


def testZeroSimilarityToItem(als: Oryx2Server) -> None:
    items = get_json(als.client, "/similarityToItem/I1/I10")
    assert len(items) == 1
    assert items[0] == pytest.approx(0.0, abs=FLOAT_EPSILON)
