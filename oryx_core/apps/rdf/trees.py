"""Decision trees and forests as Oryx 2 shapes them, with routing and prediction.

A tree is made of :class:`Decision` nodes and :class:`Leaf` nodes. Node ids spell the path from the root: the
root is ``r`` and the children of ``x`` are ``x+`` (the branch whose predicate holds: a numeric value greater
than the threshold, or a category not in the split's left set) and ``x-`` (everything else). So a node id alone
finds its node, which is how ``UP`` messages name the leaf to update.

Feature vectors hold one float per predictor, in schema order: numeric values as they are, categorical values as
their integer encoding, and NaN for a missing value, which follows the node's default child (the child that saw
more training examples), as PMML's ``missingValueStrategy="defaultChild"`` does.

Leaves are immutable; a :class:`Decision`'s children are replaced whole (one reference assignment), so the serving
layer can update a leaf while other threads route examples through the same tree without locks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Union

import numpy as np

__all__ = [
    "ROOT_ID",
    "CategoricalSplit",
    "ClassificationLeaf",
    "Decision",
    "Forest",
    "Node",
    "NumericSplit",
    "RegressionLeaf",
    "child_id",
]

ROOT_ID = "r"
POSITIVE = "+"
NEGATIVE = "-"


def child_id(parent_id: str, positive: bool) -> str:
    return parent_id + (POSITIVE if positive else NEGATIVE)


@dataclass(frozen=True)
class NumericSplit:
    """``feature > threshold`` goes to the positive child (PMML ``greaterThan``)."""

    feature: int
    threshold: float

    def goes_positive(self, value: float) -> bool:
        return value > self.threshold


@dataclass(frozen=True)
class CategoricalSplit:
    """A category not in ``negative_values`` (encodings) goes to the positive child (PMML ``isNotIn``).

    Membership is by value (``2.0 in {2}``), never through ``int()``: a value that is no encoding at all
    (fractional, negative, infinite) is in no set and goes positive, exactly as the compiled forest routes it.
    """

    feature: int
    negative_values: frozenset[int]

    def goes_positive(self, value: float) -> bool:
        return value not in self.negative_values


Split = Union[NumericSplit, CategoricalSplit]  # noqa: UP007 (a runtime alias, kept readable for 3.11)


@dataclass(frozen=True)
class ClassificationLeaf:
    """Per-class example counts, indexed by the target's encoding; the probabilities are the counts' shares."""

    id: str
    counts: tuple[float, ...]

    @property
    def record_count(self) -> float:
        return float(sum(self.counts))

    def probabilities(self) -> np.ndarray:
        counts = np.asarray(self.counts, dtype=np.float64)
        total = counts.sum()
        if total <= 0:  # a leaf that saw nothing (never from Spark) votes for no class rather than dividing by 0
            return np.full(len(counts), 1.0 / len(counts)) if len(counts) else counts
        return counts / total


@dataclass(frozen=True)
class RegressionLeaf:
    """The mean target of the examples that reached the leaf, and how many they were."""

    id: str
    value: float
    count: float

    @property
    def record_count(self) -> float:
        return self.count


Leaf = Union[ClassificationLeaf, RegressionLeaf]  # noqa: UP007


class Decision:
    """An inner node: its split, its two children and which of them missing values follow."""

    __slots__ = ("default_positive", "id", "negative", "positive", "record_count", "split")

    def __init__(
        self,
        node_id: str,
        split: Split,
        positive: Node,
        negative: Node,
        default_positive: bool,
        record_count: float,
    ) -> None:
        self.id = node_id
        self.split = split
        self.positive = positive
        self.negative = negative
        self.default_positive = default_positive
        self.record_count = record_count

    def child_for(self, features: Sequence[float]) -> Node:
        value = features[self.split.feature]
        if math.isnan(value):
            return self.positive if self.default_positive else self.negative
        return self.positive if self.split.goes_positive(value) else self.negative

    def __repr__(self) -> str:
        return f"Decision({self.id!r}, {self.split!r}, default={'+' if self.default_positive else '-'})"


Node = Union[Decision, ClassificationLeaf, RegressionLeaf]  # noqa: UP007


def find_leaf(root: Node, features: Sequence[float]) -> Leaf:
    """The leaf an example reaches; NaN features follow each node's default child."""
    node = root
    while isinstance(node, Decision):
        node = node.child_for(features)
    return node


def leaves(root: Node) -> list[Leaf]:
    """Every leaf, positive branches first."""
    found: list[Leaf] = []
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, Decision):
            stack += [node.negative, node.positive]
        else:
            found.append(node)
    return found


def node_path(node_id: str) -> str:
    """``r+-`` -> ``+-``: the branch signs from the root; ValueError for an id that is not Oryx 2's form."""
    if not node_id.startswith(ROOT_ID) or any(c not in (POSITIVE, NEGATIVE) for c in node_id[1:]):
        raise ValueError(f"node id {node_id!r} is not of the form r, r+, r-, r+-, ...")
    return node_id[1:]


def _checked_weights(weights: Sequence[float] | None, trees: int) -> tuple[float, ...]:
    if weights is None:
        return (1.0,) * trees
    result = tuple(float(w) for w in weights)
    if len(result) != trees:
        raise ValueError(f"{len(result)} tree weights for {trees} trees")
    if not all(math.isfinite(w) and w >= 0 for w in result) or not sum(result) > 0:
        raise ValueError(f"tree weights must be finite, non-negative and not all 0, got {list(result)}")
    return result


class Forest:
    """Trees sharing one input schema: a classifier when ``classes`` is given, otherwise a regressor.

    ``classes`` are the target's values in encoding order; ``importances`` hold one value per predictor;
    ``weights`` one per tree (PMML ``Segment`` weights, 1 by default): the forest's answer is the weighted
    average of the trees' class probabilities or leaf values, as Oryx 2's ``WeightedPrediction`` computes it.
    """

    def __init__(
        self,
        trees: Sequence[Node],
        classes: Sequence[str] | None,
        importances: Sequence[float] | None = None,
        weights: Sequence[float] | None = None,
    ) -> None:
        if not trees:
            raise ValueError("a forest needs at least one tree")
        self.trees: list[Node] = list(trees)
        self.classes: tuple[str, ...] | None = tuple(classes) if classes is not None else None
        self.importances: tuple[float, ...] = tuple(importances or ())
        self.weights: tuple[float, ...] = _checked_weights(weights, len(self.trees))
        total = 0.0
        for weight in self.weights:  # summed in tree order, as every consumer divides by this very value
            total += weight
        self.total_weight = total

    @property
    def is_classification(self) -> bool:
        return self.classes is not None

    def leaves_for(self, features: Sequence[float]) -> list[Leaf]:
        return [find_leaf(tree, features) for tree in self.trees]

    def distribution(self, features: Sequence[float]) -> np.ndarray:
        """The weighted average of the trees' class probability vectors."""
        if self.classes is None:
            raise ValueError("a regression forest has no class distribution")
        total = np.zeros(len(self.classes), dtype=np.float64)
        for leaf, weight in zip(self.leaves_for(features), self.weights, strict=True):
            total += weight * leaf.probabilities()  # type: ignore[union-attr]
        return total / self.total_weight

    def predict_class_index(self, features: Sequence[float]) -> int:
        """The most probable class's encoding; a tie goes to the lowest encoding."""
        return int(np.argmax(self.distribution(features)))

    def predict_value(self, features: Sequence[float]) -> float:
        """The weighted average of the trees' leaf values (never rounded).

        Summed in tree order, as ``CompiledForest`` does, so both give bit-identical answers.
        """
        if self.classes is not None:
            raise ValueError("a classification forest predicts classes, not values")
        total = 0.0
        for leaf, weight in zip(self.leaves_for(features), self.weights, strict=True):
            total += weight * leaf.value  # type: ignore[union-attr]
        return total / self.total_weight

    def predict(self, features: Sequence[float]) -> str:
        """The prediction as served: the class name, or the value as a decimal string."""
        if self.classes is not None:
            return self.classes[self.predict_class_index(features)]
        return repr(self.predict_value(features))

    def node(self, tree_index: int, node_id: str) -> Node:
        """The node ``node_id`` of tree ``tree_index``; ValueError when there is no such node."""
        if not 0 <= tree_index < len(self.trees):
            raise ValueError(f"tree index {tree_index} is outside 0..{len(self.trees) - 1}")
        node = self.trees[tree_index]
        for sign in node_path(node_id):
            if not isinstance(node, Decision):
                raise ValueError(f"tree {tree_index} has no node {node_id!r}")
            node = node.positive if sign == POSITIVE else node.negative
        return node

    def replace_leaf(self, tree_index: int, leaf: Leaf) -> None:
        """Puts ``leaf`` in place of the leaf with the same id: one reference assignment, safe for readers."""
        existing = self.node(tree_index, leaf.id)
        if isinstance(existing, Decision):
            raise ValueError(f"node {leaf.id!r} of tree {tree_index} is not a leaf")
        if leaf.id == ROOT_ID:
            self.trees[tree_index] = leaf
            return
        parent = self.node(tree_index, leaf.id[:-1])
        assert isinstance(parent, Decision)
        if leaf.id.endswith(POSITIVE):
            parent.positive = leaf
        else:
            parent.negative = leaf
