"""RDFUpdate's pure parts, without Spark: line parsing, MLlib node conversion, evaluation scoring."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from oryx_assets.apps.rdf import RDFUpdate, _convert, _parse_one, _score_batches
from oryx_core.apps.rdf.encoding import Encodings
from oryx_core.apps.rdf.trees import CategoricalSplit, ClassificationLeaf, Decision, Forest, NumericSplit
from oryx_core.config import ConfigError, load_config
from oryx_core.input.schema import InputSchema
from oryx_core.ml.hyperparams import Fixed

SCHEMA = [
    'oryx.input-schema.feature-names=["x", "color", "label"]',
    'oryx.input-schema.categorical-features=["color", "label"]',
    "oryx.input-schema.target-feature=label",
]
COLUMNS = ["x", "color", "label"]


def schema() -> InputSchema:
    return InputSchema.from_config(load_config(None, SCHEMA))


def encodings() -> Encodings:
    return Encodings(schema(), {"color": ["blue", "red"], "label": ["no", "yes"]})


def test_good_line_becomes_typed_columns() -> None:
    assert _parse_one(schema(), COLUMNS, "1.5,red,yes") == [1.5, "red", "yes", None]


@pytest.mark.parametrize(
    ("line", "reason"),
    [("1.5,red", "has 2 fields"), ("x,red,yes", "'x' is not a number"), ("1.5,,yes", "no value for ['color']")],
)
def test_unusable_lines_carry_their_reason(line: str, reason: str) -> None:
    parsed = _parse_one(schema(), COLUMNS, line)
    assert parsed[:3] == [None, None, None] and reason in parsed[3]


def leaf(node_id: int, stats: list[float]) -> dict:
    return {"id": node_id, "prediction": 0.0, "impurityStats": stats, "leftChild": -1, "rightChild": -1, "split": None}


def test_mllib_right_child_is_positive_and_the_larger_child_is_default() -> None:
    nodes = {
        0: {
            "id": 0,
            "impurityStats": [9.0, 11.0],
            "leftChild": 1,
            "rightChild": 2,
            "split": {"featureIndex": 0, "leftCategoriesOrThreshold": [2.5], "numCategories": -1},
        },
        1: {
            "id": 1,
            "impurityStats": [8.0, 4.0],
            "leftChild": 3,
            "rightChild": 4,
            "split": {"featureIndex": 1, "leftCategoriesOrThreshold": [1.0], "numCategories": 2},
        },
        2: leaf(2, [1.0, 7.0]),
        3: leaf(3, [0.0, 4.0]),
        4: leaf(4, [8.0, 0.0]),
    }
    root = _convert(nodes, 0, "r", encodings(), classification=True)
    assert isinstance(root, Decision) and root.split == NumericSplit(0, 2.5)
    assert root.positive == ClassificationLeaf("r+", (1.0, 7.0)) and root.default_positive is False
    inner = root.negative
    assert isinstance(inner, Decision) and inner.split == CategoricalSplit(1, frozenset({1}))
    assert inner.positive == ClassificationLeaf("r-+", (8.0, 0.0)) and inner.negative.id == "r--"
    assert (root.record_count, inner.record_count) == (20.0, 12.0)


def test_evaluation_scores_each_usable_line_and_marks_the_rest_nan() -> None:
    tree = Decision(
        "r", NumericSplit(0, 5.0), ClassificationLeaf("r+", (1.0, 9.0)), ClassificationLeaf("r-", (8.0, 2.0)), True, 20
    )
    score = _score_batches(Forest([tree], ["no", "yes"]), encodings())
    lines = ["7,red,yes", "1,red,yes", "1,blue,", "1,pink,no", "bad"]
    [result] = list(score(iter([pd.DataFrame({"value": lines})])))
    values = result["score"].tolist()
    assert values[:2] == [1.0, 0.0] and all(math.isnan(v) for v in values[2:])


def test_regression_always_uses_variance() -> None:
    config = load_config(None, [*SCHEMA[:1], 'oryx.input-schema.categorical-features=["color"]', SCHEMA[2]])
    assert RDFUpdate(config).hyperparameter_values(config)["impurity"] == Fixed("variance")


def test_zero_trees_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="num-trees"):
        RDFUpdate(load_config(None, [*SCHEMA, "oryx.rdf.num-trees=0"]))
