"""The RDF endpoints over the in-memory broker: exact predictions, distributions, importances, and 400s."""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Callable

import pytest
from flask import Flask
from rdf_serving_support import CLASSIFICATION, COLORS, RDF, classifier, get, pmml
from support.memory_topics import InMemoryBroker

from oryx_core.apps.rdf.trees import Forest
from oryx_core.topics.messages import KeyMessage, input_key


def test_predict_is_503_before_any_model(make_app: Callable[..., Flask]) -> None:
    assert get(make_app(*RDF, *CLASSIFICATION), "/predict/1,7,red,")[0] == 503


def test_predict_gives_the_most_probable_class(classification: Flask) -> None:
    assert get(classification, "/predict/1,7,red,") == (200, "yes")
    assert get(classification, "/predict/1,1,blue,") == (200, "no")


def test_missing_values_follow_the_default_child(classification: Flask) -> None:
    assert get(classification, "/predict/1,,,") == (200, "no")  # r- then r-+: (0.8+0.5)/2 for "no"


def test_predict_regression_is_the_exact_average(regression: Flask) -> None:
    assert get(regression, "/predict/1,7,red,") == (200, "10.5")


def test_json_predictions_have_oryx2_shapes(classification: Flask, regression: Flask) -> None:
    """One prediction: a number for a value (Oryx 2 wrote the bare text), a string for a class name; a bulk
    answer is a list of strings, as Oryx 2's List<String> was."""
    assert get(regression, "/predict/1,7,red,", json=True) == (200, "10.5")
    assert get(classification, "/predict/1,7,red,", json=True) == (200, '"yes"')
    bulk = {"Accept": "application/json"}
    assert regression.test_client().post("/predict", data="1,7,red,\n1,1,red,", headers=bulk).get_json() == [
        "10.5",
        "2.25",
    ]
    assert classification.test_client().post("/predict", data="1,7,red,", headers=bulk).get_json() == ["yes"]


def test_class_names_that_are_json_numbers_are_answered_as_numbers(
    make_app: Callable[..., Flask], publish: Callable[[str, str], None], caught_up: Callable
) -> None:
    app = make_app(*RDF, *CLASSIFICATION)
    numbered = Forest(classifier().trees, ["1.0", "2"])
    publish("MODEL", pmml(CLASSIFICATION, numbered, {"color": COLORS, "label": ["1.0", "2"]}))
    caught_up(app)
    assert [get(app, "/predict/1,1,blue,", json=True), get(app, "/predict/1,7,red,", json=True)] == [
        (200, "1.0"),
        (200, "2"),
    ]
    assert get(app, "/predict/1,7,red,") == (200, "2")


@pytest.mark.parametrize(
    ("datum", "message"),
    [
        ("1,7,red", "has 3 fields, expected 4"),
        ("1,seven,red,", "column 'x': 'seven' is not a number"),
        ("%20", "empty datum"),
    ],
)
def test_bad_datum_is_400_with_a_message(classification: Flask, datum: str, message: str) -> None:
    status, text = get(classification, f"/predict/{datum}")
    assert status == 400 and message in text


def test_bulk_predict_answers_one_line_per_body_line(classification: Flask) -> None:
    response = classification.test_client().post("/predict", data="1,7,red,\n1,1,blue,\n")
    assert (response.status_code, response.text) == (200, "yes\nno\n")


def test_bulk_predict_names_the_malformed_line(classification: Flask) -> None:
    response = classification.test_client().post("/predict", data="1,7,pink,\n1,x,red,\n")
    assert (response.status_code, response.text) == (400, "line 2: column 'x': 'x' is not a number")


def test_bulk_predict_reads_multipart_zip_and_gzip_parts(classification: Flask) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.csv", "1,7,red,\n")
    form = {
        "zipped": (io.BytesIO(archive.getvalue()), "a.zip", "application/zip"),
        "gzipped": (io.BytesIO(gzip.compress(b"1,1,blue,\n")), "b.gz", "application/gzip"),
    }
    response = classification.test_client().post("/predict", data=form, content_type="multipart/form-data")
    assert (response.status_code, response.text) == (200, "yes\nno\n")


def test_classification_distribution_lists_every_class(classification: Flask) -> None:
    status, _ = get(classification, "/classificationDistribution/1,7,red,")
    response = classification.test_client().get(
        "/classificationDistribution/1,7,red,", headers={"Accept": "application/json"}
    )
    assert status == 200
    assert [(d["id"], round(d["value"], 12)) for d in response.get_json()] == [("no", 0.3), ("yes", 0.7)]


def test_classification_distribution_is_400_for_regression(regression: Flask) -> None:
    assert get(regression, "/classificationDistribution/1,7,red,") == (400, "Only applicable for classification")


def test_feature_importance_lists_every_column_in_schema_order(classification: Flask) -> None:
    assert get(classification, "/feature/importance") == (200, "0.0\n0.75\n0.25\n0.0\n")


def test_feature_importance_of_one_column(classification: Flask) -> None:
    assert get(classification, "/feature/importance/1") == (200, "0.75")


@pytest.mark.parametrize("number", ["4", "-1", "x"])
def test_bad_feature_number_is_400(classification: Flask, number: str) -> None:
    assert get(classification, f"/feature/importance/{number}") == (400, "Bad feature number")


def test_up_changes_a_leaf_distribution(
    classification: Flask, publish: Callable[[str, str], None], caught_up: Callable
) -> None:
    publish("UP", '[1,"r",{"0":8}]')  # tree 1's only leaf: (6, 6) -> (14, 6)
    caught_up(classification)
    response = classification.test_client().get(
        "/classificationDistribution/1,7,red,", headers={"Accept": "application/json"}
    )
    assert [round(d["value"], 12) for d in response.get_json()] == [0.4, 0.6]  # ((0.1 + 0.7) / 2, (0.9 + 0.3) / 2)


def test_up_moves_a_regression_leaf_to_the_running_mean(
    regression: Flask, publish: Callable[[str, str], None], caught_up: Callable
) -> None:
    publish("UP", '[0,"r+",20.5,1]')  # 10.5 + 1/5 * (20.5 - 10.5)
    caught_up(regression)
    assert get(regression, "/predict/1,7,red,") == (200, "12.5")


def test_train_sends_lines_to_the_input_topic(classification: Flask, broker: InMemoryBroker) -> None:
    client = classification.test_client()
    assert client.post("/train/1,7,red,yes").status_code == 204
    assert client.post("/train", data="2,1,blue,no\n").status_code == 204
    assert broker.messages("OryxInput") == [
        KeyMessage(input_key("1,7,red,yes"), "1,7,red,yes"),
        KeyMessage(input_key("2,1,blue,no"), "2,1,blue,no"),
    ]


def test_train_is_403_when_read_only(make_app: Callable[..., Flask]) -> None:
    app = make_app(*RDF, *CLASSIFICATION, "oryx.serving.api.read-only=true")
    assert app.test_client().post("/train/1,7,red,yes").status_code == 403
