"""UP message formats and the leaf update math (spec 2.3, 4.3)."""

from __future__ import annotations

import pytest

from oryx_core.apps.rdf.trees import ClassificationLeaf, Decision, Forest, NumericSplit, RegressionLeaf
from oryx_core.apps.rdf.updates import (
    ClassCountsUpdate,
    MeanUpdate,
    apply_update,
    format_update,
    parse_update,
    updates_for_examples,
)


def test_classification_update_format_has_string_encodings_as_keys() -> None:
    assert format_update(ClassCountsUpdate(1, "r+-", {2: 3, 0: 1})) == '[1,"r+-",{"0":1,"2":3}]'


def test_regression_update_format_is_tree_node_mean_count() -> None:
    assert format_update(MeanUpdate(0, "r", 2.5, 4)) == '[0,"r",2.5,4]'


def test_updates_parse_back() -> None:
    assert parse_update('[1,"r+-",{"0":1,"2":3}]') == ClassCountsUpdate(1, "r+-", {0: 1, 2: 3})
    assert parse_update('[0,"r",2.5,4]') == MeanUpdate(0, "r", 2.5, 4)


@pytest.mark.parametrize("message", ["nope", "[]", '["0","r",{}]', '[0,"r",{"a":1}]', '[0,"r",1.0,-2]'])
def test_malformed_updates_are_value_errors(message: str) -> None:
    with pytest.raises(ValueError, match="bad RDF UP message"):
        parse_update(message)


def test_class_counts_are_added_to_the_leaf() -> None:
    forest = Forest([ClassificationLeaf("r", (6.0, 2.0))], ["no", "yes"])
    leaf = apply_update(forest, ClassCountsUpdate(0, "r", {1: 8}))
    assert leaf == ClassificationLeaf("r", (6.0, 10.0))
    assert forest.distribution([0.0]).tolist() == [0.375, 0.625]


def test_regression_leaf_takes_the_running_mean() -> None:
    forest = Forest([RegressionLeaf("r", 10.0, 3)], None)
    # p + n/(N+n) * (mean - p) = 10 + 1/4 * (2 - 10) = 8
    assert apply_update(forest, MeanUpdate(0, "r", 2.0, 1)) == RegressionLeaf("r", 8.0, 4)


def test_update_of_an_inner_node_is_refused() -> None:
    tree = Decision("r", NumericSplit(0, 1.0), RegressionLeaf("r+", 1.0, 1), RegressionLeaf("r-", 0.0, 1), True, 2)
    with pytest.raises(ValueError, match="not a leaf"):
        apply_update(Forest([tree], None), MeanUpdate(0, "r", 1.0, 1))


def test_examples_are_grouped_per_tree_and_leaf() -> None:
    tree = Decision("r", NumericSplit(0, 1.0), RegressionLeaf("r+", 1.0, 1), RegressionLeaf("r-", 0.0, 1), True, 2)
    forest = Forest([tree, RegressionLeaf("r", 5.0, 2)], None)
    updates = updates_for_examples(forest, [([2.0], 10.0), ([0.0], 4.0), ([3.0], 20.0)])
    assert updates == [MeanUpdate(0, "r+", 15.0, 2), MeanUpdate(0, "r-", 4.0, 1), MeanUpdate(1, "r", 34.0 / 3, 3)]
