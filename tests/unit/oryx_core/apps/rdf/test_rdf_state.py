"""The RDF model state: serving folds ``UP`` deltas into leaves (and its compiled forest); the speed layer ignores
them so it always counts from the batch model."""

from __future__ import annotations

import numpy as np
import pytest

from oryx_core.apps.rdf.encoding import Encodings
from oryx_core.apps.rdf.pmml import forest_to_pmml
from oryx_core.apps.rdf.state import RDFState
from oryx_core.apps.rdf.trees import ClassificationLeaf, Decision, Forest, NumericSplit
from oryx_core.config import load_config
from oryx_core.input.schema import InputSchema
from oryx_core.ml.pmml import write_pmml

CONFIG = load_config(
    None,
    [
        'oryx.input-schema.feature-names=["x", "label"]',
        'oryx.input-schema.categorical-features=["label"]',
        "oryx.input-schema.target-feature=label",
    ],
)
TREE = Decision(
    "r", NumericSplit(0, 5.0), ClassificationLeaf("r+", (1.0, 9.0)), ClassificationLeaf("r-", (8.0, 2.0)), True, 20
)
PMML = write_pmml(
    forest_to_pmml(
        Forest([TREE], ["no", "yes"], [1.0]),
        Encodings(InputSchema.from_config(CONFIG), {"label": ["no", "yes"]}),
        {},
        0,
    )
)
UP_TO_LEAF_PLUS = '[0,"r+",{"0":30}]'


def loaded(apply_updates: bool, compiled: bool = False) -> RDFState:
    state = RDFState.from_config(CONFIG, apply_updates=apply_updates, compiled=compiled)
    state.consume_key_message("MODEL", PMML)
    return state


def test_serving_state_folds_an_up_into_the_leaf_and_its_compiled_forest() -> None:
    state = loaded(apply_updates=True, compiled=True)
    state.consume_key_message("UP", UP_TO_LEAF_PLUS)
    model = state.model
    assert model is not None and model.compiled is not None
    assert model.forest.node(0, "r+") == ClassificationLeaf("r+", (31.0, 9.0))
    assert model.compiled.predict(np.array([[9.0, np.nan]])) == ["no"]


def test_speed_state_ignores_up_and_compiles_nothing() -> None:
    state = loaded(apply_updates=False)
    state.consume_key_message("UP", UP_TO_LEAF_PLUS)
    model = state.model
    assert model is not None and model.compiled is None
    assert model.forest.node(0, "r+") == ClassificationLeaf("r+", (1.0, 9.0))


def test_an_up_naming_a_missing_node_raises() -> None:
    with pytest.raises(ValueError):
        loaded(apply_updates=True).consume_key_message("UP", '[0,"nowhere",{"0":1}]')
