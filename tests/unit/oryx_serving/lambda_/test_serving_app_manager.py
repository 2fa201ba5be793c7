"""The one generic serving manager over an app's model state, and the Oryx 2 class names bound to it."""

from __future__ import annotations

import pytest

from oryx_core.api.serving import ServingModelManager
from oryx_core.apps.example.state import ExampleState, WordCounts
from oryx_core.classnames import instantiate
from oryx_core.config import load_config
from oryx_serving.apps.example.model import ExampleServingModel
from oryx_serving.lambda_.app_manager import StateServingModelManager

CONFIG = load_config(None, [])


def manager() -> StateServingModelManager[WordCounts, ExampleServingModel]:
    return StateServingModelManager(CONFIG, ExampleState.from_config(CONFIG, apply_updates=True), ExampleServingModel)


def test_no_model_before_the_first_model_message() -> None:
    assert manager().get_model() is None


def test_one_view_per_model_generation_that_sees_its_updates() -> None:
    m = manager()
    m.consume_key_message("MODEL", '{"a":1}')
    first = m.get_model()
    m.consume_key_message("UP", "a,4")
    assert m.get_model() is first and first is not None and first.get_count("a") == 4
    m.consume_key_message("MODEL", '{"b":2}')
    second = m.get_model()
    assert second is not first and second is not None and second.get_words() == {"b": 2}


def test_close_drops_the_model() -> None:
    m = manager()
    m.consume_key_message("MODEL", '{"a":1}')
    m.close()
    assert m.get_model() is None


KMEANS = ['oryx.input-schema.feature-names=["x", "y"]', "oryx.input-schema.categorical-features=[]"]
RDF = [
    'oryx.input-schema.feature-names=["x", "y"]',
    'oryx.input-schema.categorical-features=["y"]',
    "oryx.input-schema.target-feature=y",
]


@pytest.mark.parametrize(
    ("class_name", "overrides"),
    [
        ("com.cloudera.oryx.example.serving.ExampleServingModelManager", []),
        ("com.cloudera.oryx.app.serving.kmeans.model.KMeansServingModelManager", KMEANS),
        ("com.cloudera.oryx.app.serving.rdf.model.RDFServingModelManager", RDF),
        ("oryx_serving.apps.example.manager.ExampleServingModelManager", []),
        ("oryx_serving.apps.kmeans.manager.KMeansServingModelManager", KMEANS),
        ("oryx_serving.apps.rdf.manager.RDFServingModelManager", RDF),
    ],
)
def test_oryx2_class_names_resolve_to_bindings_of_the_generic_manager(class_name: str, overrides: list[str]) -> None:
    config = load_config(None, overrides)
    built = instantiate(class_name, "oryx.serving.model-manager-class", config)
    assert isinstance(built, StateServingModelManager) and isinstance(built, ServingModelManager)
    assert built.config is config and built.get_model() is None
