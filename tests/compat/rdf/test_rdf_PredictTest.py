"""Oryx 2's ``PredictTest``: ``/predict`` on ``TestRDFRegressionModelFactory``'s weighted two-tree forest.

B goes right in tree 1 (10) and 0 >= -3 right in tree 2 (1000): (10 + 2·1000) / 3; A and -5 go left: (1 + 2·100)
/ 3. A bulk answer is each value in Java's ``Double.toString`` form, one per line. ``testFormPredict``, like
upstream's, checks a multipart request answers 200 and writes nothing to the input topic.
"""

from __future__ import annotations

import pytest
from compat.conftest import Oryx2Server
from compat.jersey import form_post, get, get_text, post_text
from compat.oryx2_checks import DOUBLE_EPSILON

PREDICT_DATA = "A,-5,\nB,0,\n"


def testPredict(rdf: Oryx2Server) -> None:
    response = get(rdf.client, "/predict/B,0,", accept="application/json")
    assert response.status_code == 200
    assert float(response.text) == pytest.approx((10.0 + 2 * 1000.0) / 3, abs=DOUBLE_EPSILON)


def testPredict2(rdf: Oryx2Server) -> None:
    assert float(get_text(rdf.client, "/predict/A,-5,")) == pytest.approx((1.0 + 2.0 * 100.0) / 3.0, abs=DOUBLE_EPSILON)


def testFormPredict(rdf: Oryx2Server) -> None:
    assert form_post(rdf.client, "/predict", PREDICT_DATA).status_code == 200
    assert rdf.input_messages() == []


def testPredictPost(rdf: Oryx2Server) -> None:
    prediction = post_text(rdf.client, "/predict", "A,-5,\nB,0,").text
    expected1 = (1.0 + 2.0 * 100.0) / 3.0
    expected2 = (10.0 + 2 * 1000.0) / 3
    assert prediction == f"{expected1!r}\n{expected2!r}\n"
