"""Oryx 2's ``ClassificationDistributionTest``: ``/classificationDistribution`` on
``TestRDFClassificationModelFactory``'s forest: each class's probability is the trees' probabilities averaged
with weights 1 and 2."""

from __future__ import annotations

import pytest
from compat.conftest import Oryx2Server
from compat.jersey import get_json
from compat.oryx2_checks import DOUBLE_EPSILON, id_values


def testDistribution(rdf_classification: Oryx2Server) -> None:
    recs = id_values(get_json(rdf_classification.client, "/classificationDistribution/B,0,"))
    assert recs[0][0] == "X"
    assert recs[0][1] == pytest.approx((10.0 / 90.0 + 2 * (1000.0 / 111000.0)) / 3, abs=DOUBLE_EPSILON)
    assert recs[1][0] == "Y"
    assert recs[1][1] == pytest.approx((30.0 / 90.0 + 2 * (10000.0 / 111000.0)) / 3, abs=DOUBLE_EPSILON)
    assert recs[2][0] == "Z"
    assert recs[2][1] == pytest.approx((50.0 / 90.0 + 2 * (100000.0 / 111000.0)) / 3, abs=DOUBLE_EPSILON)


def testDistribution2(rdf_classification: Oryx2Server) -> None:
    recs = id_values(get_json(rdf_classification.client, "/classificationDistribution/A,-5,"))
    assert recs[0][0] == "X"
    assert recs[0][1] == pytest.approx((1.0 / 6.0 + 2 * (100.0 / 1400.0)) / 3, abs=DOUBLE_EPSILON)
    assert recs[1][0] == "Y"
    assert recs[1][1] == pytest.approx((2.0 / 6.0 + 2 * (400.0 / 1400.0)) / 3, abs=DOUBLE_EPSILON)
    assert recs[2][0] == "Z"
    assert recs[2][1] == pytest.approx((3.0 / 6.0 + 2 * (900.0 / 1400.0)) / 3, abs=DOUBLE_EPSILON)
