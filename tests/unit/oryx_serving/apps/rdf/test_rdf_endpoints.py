"""The RDF endpoints over the in-memory broker: exact predictions, distributions, importances, and 400s."""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Callable

import pytest
from flask import Flask

from oryx_core.apps.rdf.encoding import Encodings
from oryx_core.apps.rdf.pmml import forest_to_pmml
from oryx_core.apps.rdf.trees import (
    CategoricalSplit,
    ClassificationLeaf,
    Decision,
    Forest,
    NumericSplit,
    RegressionLeaf,
)
from oryx_core.config import load_config
from oryx_core.input.schema import InputSchema
from oryx_core.ml.pmml import write_pmml
from oryx_core.topics.memory import InMemoryBroker
from oryx_core.topics.messages import KeyMessage, input_key

COLUMNS = 'oryx.input-schema.feature-names=["id", "x", "color", "label"]'
IDS = 'oryx.input-schema.id-features=["id"]'
TARGET = "oryx.input-schema.target-feature=label"
CLASSIFICATION = [COLUMNS, IDS, TARGET, 'oryx.input-schema.categorical-features=["color", "label"]']
REGRESSION = [COLUMNS, IDS, TARGET, 'oryx.input-schema.categorical-features=["color"]']
RDF = [
    "oryx.serving.model-manager-class=com.cloudera.oryx.app.serving.rdf.model.RDFServingModelManager",
    "oryx.serving.application-resources=com.cloudera.oryx.app.serving,com.cloudera.oryx.app.serving.classreg,"
    "com.cloudera.oryx.app.serving.rdf",
]
COLORS = ["blue", "green", "red"]


def pmml(overrides: list[str], forest: Forest, categories: dict[str, list[str]]) -> str:
    encodings = Encodings(InputSchema.from_config(load_config(None, overrides)), categories)
    return write_pmml(forest_to_pmml(forest, encodings, {"maxDepth": 2}, 0))


def classifier() -> Forest:
    """Tree 0: x > 5 -> (1 no, 9 yes); else color not red -> (8, 2), red -> (0, 4). Tree 1: one leaf (6, 6)."""
    inner = Decision(
        "r-",
        CategoricalSplit(1, frozenset({2})),
        ClassificationLeaf("r-+", (8.0, 2.0)),
        ClassificationLeaf("r--", (0.0, 4.0)),
        True,
        14,
    )
    tree0 = Decision("r", NumericSplit(0, 5.0), ClassificationLeaf("r+", (1.0, 9.0)), inner, False, 24)
    return Forest([tree0, ClassificationLeaf("r", (6.0, 6.0))], ["no", "yes"], [0.75, 0.25])


def regressor() -> Forest:
    tree = Decision("r", NumericSplit(0, 5.0), RegressionLeaf("r+", 10.5, 4), RegressionLeaf("r-", 2.25, 6), False, 10)
    return Forest([tree], None, [1.0, 0.0])


@pytest.fixture
def classification(make_app: Callable[..., Flask], publish: Callable[[str, str], None], caught_up: Callable) -> Flask:
    app = make_app(*RDF, *CLASSIFICATION)
    publish("MODEL", pmml(CLASSIFICATION, classifier(), {"color": COLORS, "label": ["no", "yes"]}))
    caught_up(app)
    return app


@pytest.fixture
def regression(make_app: Callable[..., Flask], publish: Callable[[str, str], None], caught_up: Callable) -> Flask:
    app = make_app(*RDF, *REGRESSION)
    publish("MODEL", pmml(REGRESSION, regressor(), {"color": COLORS}))
    caught_up(app)
    return app


def get(app: Flask, path: str, json: bool = False) -> tuple[int, str]:
    response = app.test_client().get(path, headers={"Accept": "application/json"} if json else {})
    return response.status_code, response.text


def test_predict_is_503_before_any_model(make_app: Callable[..., Flask]) -> None:
    assert get(make_app(*RDF, *CLASSIFICATION), "/predict/1,7,red,")[0] == 503


def test_predict_gives_the_most_probable_class(classification: Flask) -> None:
    assert get(classification, "/predict/1,7,red,") == (200, "yes")
    assert get(classification, "/predict/1,1,blue,") == (200, "no")


def test_missing_values_follow_the_default_child(classification: Flask) -> None:
    assert get(classification, "/predict/1,,,") == (200, "no")  # r- then r-+: (0.8+0.5)/2 for "no"


def test_predict_regression_is_the_exact_average(regression: Flask) -> None:
    assert get(regression, "/predict/1,7,red,") == (200, "10.5")


@pytest.mark.parametrize(
    ("datum", "message"),
    [
        ("1,7,purple,", "column 'color': unknown value 'purple'"),
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


def test_bulk_predict_names_the_bad_line(classification: Flask) -> None:
    response = classification.test_client().post("/predict", data="1,7,red,\n1,1,pink,\n")
    assert response.status_code == 400 and response.text.startswith("line 2: column 'color'")


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
