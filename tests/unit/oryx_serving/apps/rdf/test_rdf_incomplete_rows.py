"""Missing values and unseen categories are answered on the trees' missing-value path, counted, and never fail
the other rows of a bulk request; weighted forests serve their weighted distribution, through UP updates too."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from rdf_serving_support import CLASSIFICATION, COLORS, RDF, classifier, get, pmml

from oryx_core.apps.rdf.trees import Forest

JSON = {"Accept": "application/json"}


def distribution(app: Flask, datum: str) -> list[float]:
    response = app.test_client().get(f"/classificationDistribution/{datum}", headers=JSON)
    assert response.status_code == 200, response.text
    return [d["value"] for d in response.get_json()]


def incomplete_rows(app: Flask) -> dict[tuple[str, str], int]:
    """The ``oryx_serving_rdf_incomplete_rows_total`` series by (endpoint, reason)."""
    found = {}
    for line in app.test_client().get("/metrics").text.splitlines():
        if line.startswith("oryx_serving_rdf_incomplete_rows_total{"):
            labels, value = line.split("} ")
            pairs = dict(p.split("=") for p in labels.split("{")[1].split(","))
            found[(pairs["endpoint"].strip('"'), pairs["reason"].strip('"'))] = int(value)
    return found


def test_an_unseen_category_takes_the_default_child_like_a_missing_value(classification: Flask) -> None:
    # x = 1 goes to r-, whose default child is r-+ (0.8, 0.2); tree 1 is (0.5, 0.5); red would go to r-- (0, 1).
    assert distribution(classification, "1,1,purple,") == pytest.approx([0.65, 0.35], rel=1e-15)
    assert distribution(classification, "1,1,,") == pytest.approx([0.65, 0.35], rel=1e-15)
    assert get(classification, "/predict/1,1,purple,") == (200, "no")
    assert get(classification, "/predict/1,1,red,") == (200, "yes")


def test_one_incomplete_row_does_not_fail_the_others(classification: Flask) -> None:
    body = "1,7,red,\n1,1,purple,\n1,,,\n1,1,red,\n"
    response = classification.test_client().post("/predict", data=body)
    assert (response.status_code, response.text) == (200, "yes\nno\nno\nyes\n")


def test_incomplete_rows_are_counted_by_endpoint_and_reason(classification: Flask) -> None:
    client = classification.test_client()
    assert incomplete_rows(classification) == {}
    assert client.get("/predict/1,1,purple,").status_code == 200
    assert client.post("/predict", data="1,1,purple,\n1,,,\n1,,pink,\n1,7,red,\n").status_code == 200
    assert client.get("/classificationDistribution/1,,red,").status_code == 200
    assert client.post("/predict", data="1,7,red,\n1,x,red,\n").status_code == 400  # malformed: nothing counted
    assert incomplete_rows(classification) == {
        ("/predict/<path:datum>", "unseen"): 1,
        ("/predict", "unseen"): 2,
        ("/predict", "missing"): 2,
        ("/classificationDistribution/<path:datum>", "missing"): 1,
    }


def test_nan_and_infinite_numbers_are_values_not_errors(classification: Flask) -> None:
    """NaN is a missing value (the default child, r-); +inf is greater than every threshold (r+)."""
    assert distribution(classification, "1,NaN,red,") == pytest.approx([0.25, 0.75], rel=1e-15)
    assert distribution(classification, "1,inf,red,") == pytest.approx([0.3, 0.7], rel=1e-15)
    assert distribution(classification, "1,-inf,blue,") == pytest.approx([0.65, 0.35], rel=1e-15)
    assert distribution(classification, "1,-1e308,blue,") == pytest.approx([0.65, 0.35], rel=1e-15)


def test_a_weighted_forest_serves_its_weighted_distribution_through_updates(
    make_app: Callable[..., Flask], publish: Callable[[str, str], None], caught_up: Callable
) -> None:
    app = make_app(*RDF, *CLASSIFICATION)
    weighted = Forest(classifier().trees, ["no", "yes"], [0.75, 0.25], weights=[1.0, 3.0])
    publish("MODEL", pmml(CLASSIFICATION, weighted, {"color": COLORS, "label": ["no", "yes"]}))
    caught_up(app)
    # x = 7: tree 0's r+ is (0.1, 0.9) with weight 1; tree 1's leaf (0.5, 0.5) with weight 3.
    assert distribution(app, "1,7,red,") == pytest.approx([(0.1 + 3 * 0.5) / 4, (0.9 + 3 * 0.5) / 4], rel=1e-15)
    publish("UP", '[1,"r",{"0":8}]')  # tree 1's leaf: (6, 6) -> (14, 6), i.e. (0.7, 0.3)
    caught_up(app)
    assert distribution(app, "1,7,red,") == pytest.approx([(0.1 + 3 * 0.7) / 4, (0.9 + 3 * 0.3) / 4], rel=1e-15)
    bulk = app.test_client().post("/predict", data="1,7,red,\n1,1,red,\n")
    assert bulk.text == "no\nno\n"  # (0.55, 0.45); x = 1, red: (0 + 2.1) / 4 = 0.525 for "no"
