"""RDFUpdate's pure parts, without Spark: line parsing, MLlib node conversion, settings, evaluation scoring."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from oryx_assets.apps.rdf import RDFUpdate
from oryx_assets.apps.rdf.evaluation import TrainingTarget, _score_batches
from oryx_assets.apps.rdf.examples import parse_one
from oryx_assets.apps.rdf.mllib_forest import convert
from oryx_assets.apps.rdf.update import mllib_feature_subset
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
    assert parse_one(schema(), COLUMNS, "1.5,red,yes") == [1.5, "red", "yes", None]


@pytest.mark.parametrize(
    ("line", "reason"),
    [("1.5,red", "has 2 fields"), ("x,red,yes", "'x' is not a number"), ("1.5,,yes", "no value for ['color']")],
)
def test_unusable_lines_carry_their_reason(line: str, reason: str) -> None:
    parsed = parse_one(schema(), COLUMNS, line)
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
    root = convert(nodes, 0, "r", classification=True)
    assert isinstance(root, Decision) and root.split == NumericSplit(0, 2.5)
    assert root.positive == ClassificationLeaf("r+", (1.0, 7.0)) and root.default_positive is False
    inner = root.negative
    assert isinstance(inner, Decision) and inner.split == CategoricalSplit(1, frozenset({1}))
    assert inner.positive == ClassificationLeaf("r-+", (8.0, 0.0)) and inner.negative.id == "r--"
    assert (root.record_count, inner.record_count) == (20.0, 12.0)


def test_evaluation_scores_each_line_as_served_and_marks_unscorable_ones_nan() -> None:
    tree = Decision(
        "r", NumericSplit(0, 5.0), ClassificationLeaf("r+", (1.0, 9.0)), ClassificationLeaf("r-", (8.0, 2.0)), True, 20
    )
    score = _score_batches(Forest([tree], ["no", "yes"]), encodings(), TrainingTarget(priors=(0.25, 0.75)))
    # An unseen category (pink, not split on here) and a missing value (x: the default child, r+) are read as
    # serving reads them; a missing target and a malformed line cannot be scored.
    lines = ["7,red,yes", "1,red,yes", "1,pink,no", ",blue,yes", "1,blue,", "bad"]
    [result] = list(score(iter([pd.DataFrame({"value": lines})])))
    assert result["hit"].tolist()[:4] == [1.0, 0.0, 1.0, 1.0]
    assert result["log_loss"].tolist()[:4] == pytest.approx(
        [-math.log(0.9), -math.log(0.2), -math.log(0.8), -math.log(0.9)]
    )
    assert result["majority_hit"].tolist()[:4] == [1.0, 1.0, 0.0, 1.0]
    assert result["majority_log_loss"].tolist()[:4] == pytest.approx(
        [-math.log(0.75)] * 2 + [-math.log(0.25), -math.log(0.75)]
    )
    assert result["incomplete"].tolist() == [0.0, 0.0, 1.0, 1.0, 0.0, 0.0]
    assert all(math.isnan(v) for column in ("hit", "log_loss") for v in result[column].tolist()[4:])


def test_regression_always_uses_variance() -> None:
    config = load_config(None, [*SCHEMA[:1], 'oryx.input-schema.categorical-features=["color"]', SCHEMA[2]])
    assert RDFUpdate(config).hyperparameter_values(config)["impurity"] == Fixed("variance")


def test_zero_trees_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="num-trees"):
        RDFUpdate(load_config(None, [*SCHEMA, "oryx.rdf.num-trees=0"]))


def test_split_candidates_rule_is_checked_at_start() -> None:
    with pytest.raises(ConfigError, match="split-candidates"):
        RDFUpdate(load_config(None, [*SCHEMA, "oryx.rdf.split-candidates=exact"]))


@pytest.mark.parametrize(
    ("value", "classification", "trees", "expected"),
    [
        ("auto", True, 20, "sqrt"),  # scikit-learn's default for classification
        ("auto", False, 20, "all"),  # scikit-learn's default for regression (MLlib's auto: onethird)
        ("auto", True, 1, "all"),  # one tree is a plain decision tree
        ("onethird", False, 20, "onethird"),
        ("LOG2", True, 20, "log2"),
        (3, True, 20, "3"),  # a number of features
        ("3", True, 20, "3"),
        (0.5, False, 20, "0.5"),  # a fraction of them
        (0.00001, False, 20, "0.00001"),  # never an exponent, which MLlib refuses
        (1.0, False, 20, "all"),
    ],
)
def test_feature_subset_strategy_for_mllib(value: object, classification: bool, trees: int, expected: str) -> None:
    assert mllib_feature_subset(value, classification, trees) == expected


@pytest.mark.parametrize("value", ["half", 0, 1.5, -2, "nan", "inf"])
def test_bad_feature_subset_strategy_names_the_key(value: object) -> None:
    with pytest.raises(ConfigError, match="feature-subset-strategy") as error:
        mllib_feature_subset(value, True, 20)
    assert error.value.key == "oryx.rdf.hyperparams.feature-subset-strategy"
