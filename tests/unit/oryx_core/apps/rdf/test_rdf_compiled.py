"""The compiled (numpy) forest predicts exactly like the object forest, and follows leaf updates."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from test_rdf_trees import classifier, regressor

from oryx_core.apps.rdf.compiled import CompiledForest
from oryx_core.apps.rdf.trees import (
    CategoricalSplit,
    ClassificationLeaf,
    Decision,
    Forest,
    Node,
    NumericSplit,
    RegressionLeaf,
    child_id,
)
from oryx_core.apps.rdf.updates import ClassCountsUpdate, apply_update

NAN = math.nan


def random_tree(rng: random.Random, node_id: str, depth: int, classes: int) -> Node:
    if depth == 0 or rng.random() < 0.2:
        if classes:
            return ClassificationLeaf(node_id, tuple(rng.random() * 10 for _ in range(classes)))
        return RegressionLeaf(node_id, rng.uniform(-100, 100), rng.randint(1, 20))
    feature = rng.randrange(3)
    split = (
        CategoricalSplit(feature, frozenset(rng.sample(range(5), rng.randint(1, 3))))
        if feature == 2
        else NumericSplit(feature, rng.uniform(-1, 1))
    )
    positive = random_tree(rng, child_id(node_id, True), depth - 1, classes)
    negative = random_tree(rng, child_id(node_id, False), depth - 1, classes)
    return Decision(node_id, split, positive, negative, rng.random() < 0.5, 1.0)


def random_rows(rng: random.Random, n: int) -> np.ndarray:
    def value(feature: int) -> float:
        if rng.random() < 0.15:
            return NAN
        return float(rng.randrange(7)) if feature == 2 else rng.uniform(-1.5, 1.5)  # codes 5, 6 are in no split

    return np.array([[value(f) for f in range(3)] for _ in range(n)])


def test_random_classification_forests_agree_with_the_object_forest() -> None:
    rng = random.Random(5)
    forest = Forest([random_tree(rng, "r", 6, 3) for _ in range(7)], ["a", "b", "c"])
    x = random_rows(rng, 500)
    compiled = CompiledForest(forest)
    expected = np.array([forest.distribution(row) for row in x])
    assert compiled.distributions(x).tolist() == expected.tolist()
    assert compiled.predict(x) == [forest.predict(row) for row in x]


def test_random_regression_forests_agree_with_the_object_forest() -> None:
    rng = random.Random(6)
    forest = Forest([random_tree(rng, "r", 6, 0) for _ in range(7)], None)
    x = random_rows(rng, 500)
    compiled = CompiledForest(forest)
    # Bit-identical: both sum the trees in the same order, so single and bulk /predict answer alike.
    assert compiled.predict_values(x).tolist() == [forest.predict_value(row) for row in x]
    assert compiled.predict(x) == [forest.predict(row) for row in x]


def test_hand_made_forests_give_the_documented_answers() -> None:
    x = np.array([[7.0, 2.0], [1.0, 0.0], [NAN, 2.0], [NAN, NAN]])
    assert CompiledForest(classifier()).predict(x) == ["yes", "no", "yes", "no"]
    assert CompiledForest(regressor()).predict(np.array([[7.0, 2.0]])) == ["8.75"]


def test_leaf_updates_are_seen_by_later_predictions_only() -> None:
    forest = classifier()
    compiled = CompiledForest(forest)
    x = np.array([[7.0, 2.0]])
    before = compiled.distributions(x)
    leaf = apply_update(forest, ClassCountsUpdate(1, "r", {0: 8}))
    compiled.update_leaf(1, leaf)
    assert before[0].tolist() == pytest.approx([0.3, 0.7])
    assert compiled.distributions(x)[0].tolist() == pytest.approx([0.4, 0.6])


HOSTILE = [-2.0, -1.0, -1e308, 1e308, math.inf, -math.inf, -0.0, 0.0, 5e-324, -5e-324, 2.5, 7.0, NAN]


def test_any_numeric_value_routes_like_the_object_forest_and_never_indexes_out_of_bounds() -> None:
    """-2 and below once crashed bulk /predict: numeric nodes indexed the categorical table with int(value)."""
    forest = classifier()  # a numeric split on column 0, a categorical split on column 1 (codes 0..2)
    x = np.array([[a, b] for a in HOSTILE for b in HOSTILE])
    compiled = CompiledForest(forest)
    assert compiled.distributions(x).tolist() == [forest.distribution(list(row)).tolist() for row in x]
    assert compiled.predict(x) == [forest.predict(list(row)) for row in x]


def test_a_value_that_is_no_encoding_is_in_no_negative_set() -> None:
    forest = classifier()
    leaves = {value: forest.leaves_for([1.0, value])[0].id for value in (2.0, 2.5, -2.0, math.inf, 1e308)}
    assert leaves == {2.0: "r--", 2.5: "r-+", -2.0: "r-+", math.inf: "r-+", 1e308: "r-+"}
    x = np.array([[1.0, v] for v in leaves])
    assert CompiledForest(forest).distributions(x)[:, 1].tolist() == pytest.approx([0.75, 0.35, 0.35, 0.35, 0.35])


def test_tree_weights_weigh_the_average_of_probabilities_and_values() -> None:
    weighted = classifier()
    forest = Forest(weighted.trees, weighted.classes, weights=[1.0, 3.0])
    x = np.array([[7.0, 2.0]])
    # (1 * (0.1, 0.9) + 3 * (0.5, 0.5)) / 4
    assert forest.distribution([7.0, 2.0]).tolist() == pytest.approx([0.4, 0.6])
    assert CompiledForest(forest).distributions(x).tolist() == forest.distribution([7.0, 2.0])[None].tolist()
    values = Forest(regressor().trees, None, weights=[3.0, 1.0])
    assert values.predict_value([7.0, 2.0]) == (3 * 10.5 + 7.0) / 4
    assert CompiledForest(values).predict_values(x).tolist() == [(3 * 10.5 + 7.0) / 4]


@pytest.mark.parametrize("weights", [[1.0], [1.0, -1.0], [0.0, 0.0], [1.0, math.nan], [1.0, math.inf]])
def test_bad_tree_weights_are_refused(weights: list[float]) -> None:
    with pytest.raises(ValueError, match="weights"):
        Forest(classifier().trees, ["no", "yes"], weights=weights)
