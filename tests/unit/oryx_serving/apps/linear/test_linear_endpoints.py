"""The linear app's endpoints over the in-memory broker: exact predictions, 400 for malformed data, /train."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from flask import Flask
from support.memory_topics import InMemoryBroker

from oryx_core.apps.linear.examples import linear_schema
from oryx_core.apps.linear.model import LinearModel
from oryx_core.apps.linear.pmml import build_linear_pmml
from oryx_core.config import load_config
from oryx_core.ml.pmml import write_pmml

SCHEMA = [
    'oryx.input-schema.feature-names=["id", "a", "b", "y"]',
    'oryx.input-schema.id-features=["id"]',
    "oryx.input-schema.categorical-features=[]",
    "oryx.input-schema.target-feature=y",
]
LINEAR = [
    "oryx.serving.model-manager-class=oryx_serving.apps.linear.manager.LinearServingModelManager",
    "oryx.serving.application-resources=oryx_serving.apps.linear",
    *SCHEMA,
]
# y = 0.5 + 2a - 0.25b
PMML = write_pmml(
    build_linear_pmml(linear_schema(load_config(None, SCHEMA)), LinearModel(0.5, np.array([2.0, -0.25])), 0.0, 1.0)
)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(*LINEAR)


@pytest.fixture
def loaded(app: Flask, publish: Callable[[str, str], None], caught_up: Callable[[Flask], None]) -> Flask:
    publish("MODEL", PMML)
    caught_up(app)
    return app


def test_predict_is_503_before_any_model_and_ready_after(
    app: Flask, publish: Callable[[str, str], None], caught_up: Callable[[Flask], None]
) -> None:
    client = app.test_client()
    assert client.get("/predict/u,1,2,").status_code == 503
    assert client.get("/ready").status_code == 503
    publish("MODEL", PMML)
    caught_up(app)
    assert client.get("/ready").status_code == 200


def test_predict_answers_the_models_value_as_text_or_a_json_number(loaded: Flask) -> None:
    client = loaded.test_client()
    assert client.get("/predict/u,1,2,").text == "2.0"
    assert client.get('/predict/["u", "3", "-4", "99"]').text == "7.5"
    assert client.get("/predict/u,1,2,", headers={"Accept": "application/json"}).get_json() == 2.0


def test_bulk_predict_answers_one_value_per_line(loaded: Flask) -> None:
    client = loaded.test_client()
    answer = client.post("/predict", data="u,1,2,\nv,0,0,7\n", content_type="text/csv")
    assert answer.text.splitlines() == ["2.0", "0.5"]
    json_answer = client.post("/predict", data="u,1,2,\nv,0,0,7\n", headers={"Accept": "application/json"})
    assert json_answer.get_json() == [2.0, 0.5]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/predict/u,1,2", "Bad datum: has 3 fields, expected 4 (id, a, b, y)"),
        ("/predict/u,1,x,", "Bad datum: column 'b': 'x' is not a number"),
        ("/predict/u,1,,", "Bad datum: has no value for ['b']"),
        ("/predict/%20", "Empty datum"),
    ],
)
def test_malformed_datums_are_400_naming_the_problem(loaded: Flask, path: str, message: str) -> None:
    answer = loaded.test_client().get(path)
    assert (answer.status_code, answer.text) == (400, message)


def test_bulk_predict_names_the_bad_line(loaded: Flask) -> None:
    answer = loaded.test_client().post("/predict", data="u,1,2,\nu,1\n", content_type="text/plain")
    assert (answer.status_code, answer.text) == (400, "Bad datum on line 2: has 2 fields, expected 4 (id, a, b, y)")


def test_train_sends_examples_unchanged_to_the_input_topic(app: Flask, broker: InMemoryBroker) -> None:
    client = app.test_client()
    assert client.post("/train/u,1,2,3").status_code == 204
    assert client.post("/train", data="v,4,5,6\nw,7,8,9\n", content_type="text/csv").status_code == 204
    assert [m.message for m in broker.messages("OryxInput")] == ["u,1,2,3", "v,4,5,6", "w,7,8,9"]


def test_an_up_message_is_refused_and_keeps_the_model(
    loaded: Flask, publish: Callable[[str, str], None], caught_up: Callable[[Flask], None]
) -> None:
    publish("UP", "[1, 2]")
    caught_up(loaded)
    assert loaded.test_client().get("/predict/u,1,2,").text == "2.0"
    assert loaded.extensions["oryx"].follower.failed == 1
