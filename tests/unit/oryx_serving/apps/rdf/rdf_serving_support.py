"""The RDF serving tests' hand-made forests, schemas and helpers (the fixtures are in ``conftest.py``)."""

from __future__ import annotations

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


def get(app: Flask, path: str, json: bool = False) -> tuple[int, str]:
    response = app.test_client().get(path, headers={"Accept": "application/json"} if json else {})
    return response.status_code, response.text
