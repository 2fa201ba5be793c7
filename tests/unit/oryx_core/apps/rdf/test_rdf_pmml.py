"""The forest's PMML: Oryx 2's layout (ids, predicates, defaultChild, distributions) and an exact round trip."""

from __future__ import annotations

import pytest
from test_rdf_trees import classifier, regressor

from oryx_core.apps.rdf.encoding import Encodings
from oryx_core.apps.rdf.pmml import forest_from_pmml, forest_to_pmml, hyperparams_of
from oryx_core.apps.rdf.trees import ClassificationLeaf, Forest
from oryx_core.config import load_config
from oryx_core.input.schema import InputSchema
from oryx_core.ml.pmml import PMMLError, find_child, iter_descendants, read_pmml, write_pmml

COLUMNS = 'oryx.input-schema.feature-names=["x", "color", "label"]'
CLASSIFICATION = [
    COLUMNS,
    'oryx.input-schema.categorical-features=["color", "label"]',
    "oryx.input-schema.target-feature=label",
]
REGRESSION = [COLUMNS, 'oryx.input-schema.categorical-features=["color"]', "oryx.input-schema.target-feature=label"]
COLORS = ["blue", "green", "red"]
HYPERPARAMS = {"maxDepth": 4, "maxSplitCandidates": 32, "impurity": "gini"}


def schema(overrides: list[str]) -> InputSchema:
    return InputSchema.from_config(load_config(None, overrides))


def classification_pmml() -> str:
    encodings = Encodings(schema(CLASSIFICATION), {"color": COLORS, "label": ["no", "yes"]})
    return write_pmml(forest_to_pmml(classifier(), encodings, HYPERPARAMS, 0))


def regression_pmml(forest: Forest | None = None) -> str:
    encodings = Encodings(schema(REGRESSION), {"color": COLORS})
    return write_pmml(forest_to_pmml(forest or regressor(), encodings, {**HYPERPARAMS, "impurity": "variance"}, 0))


def nodes(text: str) -> dict[str, dict[str, str]]:
    """The attributes of the first tree's nodes, by id."""
    first_tree = next(iter_descendants(read_pmml(text), "TreeModel"))
    return {n.get("id", ""): dict(n.attrib) for n in iter_descendants(first_tree, "Node")}


def test_forest_is_a_weighted_average_mining_model_of_binary_tree_models() -> None:
    root = read_pmml(classification_pmml())
    mining = find_child(root, "MiningModel")
    assert mining is not None and mining.get("functionName") == "classification"
    segmentation = find_child(mining, "Segmentation")
    assert segmentation is not None and segmentation.get("multipleModelMethod") == "weightedAverage"
    trees = list(iter_descendants(root, "TreeModel"))
    assert len(trees) == 2
    assert {(t.get("splitCharacteristic"), t.get("missingValueStrategy")) for t in trees} == {
        ("binarySplit", "defaultChild")
    }


def test_one_tree_is_a_single_tree_model() -> None:
    root = read_pmml(regression_pmml(Forest([regressor().trees[0]], None, [1.0, 0.0])))
    assert find_child(root, "MiningModel") is None
    tree = find_child(root, "TreeModel")
    assert tree is not None and tree.get("functionName") == "regression"


def test_nodes_carry_oryx_ids_record_counts_and_default_children() -> None:
    found = nodes(classification_pmml())
    assert found["r"]["defaultChild"] == "r-" and found["r"]["recordCount"] == "24"
    assert found["r-"]["defaultChild"] == "r-+"
    assert found["r+"]["score"] == "yes" and found["r+"]["recordCount"] == "10"


def test_splits_are_greater_than_and_is_not_in_on_the_positive_child() -> None:
    text = classification_pmml()
    assert '<SimplePredicate field="x" operator="greaterThan" value="5" />' in text
    assert '<SimpleSetPredicate field="color" booleanOperator="isNotIn">' in text
    assert '<Array n="1" type="string">red</Array>' in text


def test_leaves_carry_real_class_counts_and_probabilities() -> None:
    text = classification_pmml()
    assert '<ScoreDistribution value="no" recordCount="1" confidence="0.1" probability="0.1" />' in text
    assert '<ScoreDistribution value="yes" recordCount="9" confidence="0.9" probability="0.9" />' in text


def test_regression_leaves_keep_their_exact_value() -> None:
    assert nodes(regression_pmml())["r-"]["score"] == "2.25"


def test_hyperparameters_are_extensions() -> None:
    assert hyperparams_of(read_pmml(classification_pmml())) == {
        "maxDepth": "4",
        "maxSplitCandidates": "32",
        "impurity": "gini",
    }


def test_importances_are_in_the_mining_schema() -> None:
    text = classification_pmml()
    assert '<MiningField name="x" usageType="active" importance="0.75" />' in text


def test_classification_round_trip_predicts_the_same() -> None:
    forest, encodings = forest_from_pmml(read_pmml(classification_pmml()), schema(CLASSIFICATION))
    assert forest.distribution([7.0, 2.0]).tolist() == pytest.approx([0.3, 0.7])
    assert forest.leaves_for([float("nan"), float("nan")])[0] == ClassificationLeaf("r-+", (8.0, 2.0))
    assert forest.importances == (0.75, 0.25)
    assert encodings.values["color"] == COLORS


def test_regression_round_trip_predicts_the_same() -> None:
    forest, _ = forest_from_pmml(read_pmml(regression_pmml()), schema(REGRESSION))
    assert forest.predict_value([7.0, 2.0]) == 8.75


def test_model_of_the_other_kind_is_refused() -> None:
    with pytest.raises(PMMLError, match="'label' is numeric in the model"):
        forest_from_pmml(read_pmml(regression_pmml()), schema(CLASSIFICATION))
