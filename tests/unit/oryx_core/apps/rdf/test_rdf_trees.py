"""Routing and prediction of hand-made forests: exact classes, probabilities and values."""

from __future__ import annotations

import math

import pytest

from oryx_core.apps.rdf.trees import (
    CategoricalSplit,
    ClassificationLeaf,
    Decision,
    Forest,
    NumericSplit,
    RegressionLeaf,
)

NAN = math.nan
RED, BLUE = 2.0, 0.0  # encodings of color: blue=0, green=1, red=2


def classifier() -> Forest:
    """Tree 0: x > 5 -> (1 no, 9 yes); else color not red -> (8, 2), red -> (0, 4). Tree 1: one leaf (6, 6)."""
    tree0 = Decision(
        "r",
        NumericSplit(0, 5.0),
        ClassificationLeaf("r+", (1.0, 9.0)),
        Decision(
            "r-",
            CategoricalSplit(1, frozenset({2})),
            ClassificationLeaf("r-+", (8.0, 2.0)),
            ClassificationLeaf("r--", (0.0, 4.0)),
            default_positive=True,
            record_count=14,
        ),
        default_positive=False,
        record_count=24,
    )
    return Forest([tree0, ClassificationLeaf("r", (6.0, 6.0))], ["no", "yes"], [0.75, 0.25])


def regressor() -> Forest:
    tree0 = Decision("r", NumericSplit(0, 5.0), RegressionLeaf("r+", 10.5, 4), RegressionLeaf("r-", 2.25, 6), False, 10)
    tree1 = Decision(
        "r", CategoricalSplit(1, frozenset({2})), RegressionLeaf("r+", 3.0, 5), RegressionLeaf("r-", 7.0, 5), False, 10
    )
    return Forest([tree0, tree1], None)


def test_classification_averages_tree_probabilities() -> None:
    assert classifier().distribution([7.0, RED]).tolist() == pytest.approx([0.3, 0.7])


def test_classification_predicts_the_most_probable_class_name() -> None:
    assert (classifier().predict([7.0, RED]), classifier().predict([1.0, BLUE])) == ("yes", "no")


def test_greater_than_threshold_goes_positive_and_equal_goes_negative() -> None:
    forest = classifier()
    assert forest.leaves_for([5.000001, BLUE])[0].id == "r+"
    assert forest.leaves_for([5.0, BLUE])[0].id == "r-+"


def test_category_in_the_negative_set_goes_negative() -> None:
    assert classifier().leaves_for([1.0, RED])[0].id == "r--"


def test_missing_values_follow_the_default_child() -> None:
    forest = classifier()
    assert forest.leaves_for([NAN, RED])[0].id == "r--"
    assert forest.leaves_for([NAN, NAN])[0].id == "r-+"


def test_regression_averages_leaf_values_without_rounding() -> None:
    assert regressor().predict_value([7.0, RED]) == 8.75
    assert regressor().predict([1.0, BLUE]) == "2.625"


def test_node_ids_find_nodes_and_unknown_ids_are_errors() -> None:
    forest = classifier()
    assert forest.node(0, "r-+") == ClassificationLeaf("r-+", (8.0, 2.0))
    with pytest.raises(ValueError, match="no node"):
        forest.node(1, "r+")
    with pytest.raises(ValueError, match="form r, r\\+"):
        forest.node(0, "x")


def test_replacing_a_leaf_changes_only_that_leaf() -> None:
    forest = classifier()
    forest.replace_leaf(0, ClassificationLeaf("r--", (1.0, 1.0)))
    assert forest.leaves_for([1.0, RED])[0].counts == (1.0, 1.0)
    assert forest.leaves_for([1.0, BLUE])[0].counts == (8.0, 2.0)
