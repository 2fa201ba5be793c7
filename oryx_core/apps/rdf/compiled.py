"""A forest compiled to numpy arrays, for vectorised prediction of many examples at once.

Routing one example through twenty trees node by node in Python costs tens of microseconds; here a whole batch
descends one level of every tree per numpy step, which is what makes bulk ``/predict`` fast. The semantics are
exactly :class:`~oryx_core.apps.rdf.trees.Forest`'s (greater-than goes positive, a category in the negative set
goes negative, NaN follows the default child, probabilities or values averaged with the trees' weights, ties to
the lowest encoding).

Any float routes: a numeric split only compares (``value > threshold``; -0.0, subnormals and ±inf compare as
IEEE says), and only a categorical split looks its value up in the negative-set table, and only when the value is
an encoding that table has a column for. (The table used to be indexed with every inner node's value cast to an
integer, numeric nodes included, so -2, -1e308 or ±inf indexed out of bounds: an ``IndexError`` on ordinary rows.)

Leaf outputs (class probabilities, or values) live in one array indexed by leaf slot. An update swaps in a copy of
that array with one row changed (copy-on-write), so readers that took the old array keep a consistent view and
never wait for a lock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oryx_core.apps.rdf.trees import CategoricalSplit, ClassificationLeaf, Decision, Forest, Leaf, Node, NumericSplit

__all__ = ["CompiledForest"]


@dataclass(frozen=True)
class _CompiledTree:
    feature: np.ndarray  # int32 per node; -1 at leaves
    threshold: np.ndarray  # float64 per node (numeric splits)
    categorical: np.ndarray  # bool per node: the split is categorical
    negative_codes: np.ndarray  # bool [node, code]: the category goes negative
    positive: np.ndarray  # int32 child indices
    negative: np.ndarray
    default_positive: np.ndarray  # bool per node
    leaf_slot: np.ndarray  # int32 per node: row in the forest's outputs (-1 for inner nodes)
    depth: int


def _max_code(root: Node) -> int:
    best = 0
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, Decision):
            if isinstance(node.split, CategoricalSplit) and node.split.negative_values:
                best = max(best, max(node.split.negative_values) + 1)
            stack += [node.positive, node.negative]
    return best


class _TreeBuilder:
    def __init__(self, first_slot: int, codes: int) -> None:
        self.rows: list[tuple[int, float, bool, frozenset[int], int, int, bool, int]] = []
        self.leaves: list[Leaf] = []
        self.next_slot = first_slot
        self.codes = codes
        self.depth = 0

    def add(self, node: Node, depth: int) -> int:
        index = len(self.rows)
        self.rows.append((-1, 0.0, False, frozenset(), -1, -1, False, -1))
        self.depth = max(self.depth, depth)
        if not isinstance(node, Decision):
            self.rows[index] = (-1, 0.0, False, frozenset(), -1, -1, False, self.next_slot)
            self.next_slot += 1
            self.leaves.append(node)
            return index
        positive = self.add(node.positive, depth + 1)
        negative = self.add(node.negative, depth + 1)
        split = node.split
        if isinstance(split, NumericSplit):
            row = (split.feature, split.threshold, False, frozenset(), positive, negative, node.default_positive, -1)
        else:
            row = (split.feature, 0.0, True, split.negative_values, positive, negative, node.default_positive, -1)
        self.rows[index] = row
        return index

    def build(self) -> _CompiledTree:
        n = len(self.rows)
        negative_codes = np.zeros((n, max(self.codes, 1)), dtype=bool)
        for i, row in enumerate(self.rows):
            for code in row[3]:
                negative_codes[i, code] = True
        return _CompiledTree(
            feature=np.array([r[0] for r in self.rows], dtype=np.int32),
            threshold=np.array([r[1] for r in self.rows], dtype=np.float64),
            categorical=np.array([r[2] for r in self.rows], dtype=bool),
            negative_codes=negative_codes,
            positive=np.array([r[4] for r in self.rows], dtype=np.int32),
            negative=np.array([r[5] for r in self.rows], dtype=np.int32),
            default_positive=np.array([r[6] for r in self.rows], dtype=bool),
            leaf_slot=np.array([r[7] for r in self.rows], dtype=np.int32),
            depth=self.depth,
        )


def _output(leaf: Leaf) -> np.ndarray | float:
    return leaf.probabilities() if isinstance(leaf, ClassificationLeaf) else float(leaf.value)


class CompiledForest:
    """Arrays for every tree of ``forest`` plus the leaf outputs; :meth:`update_leaf` mirrors leaf updates."""

    def __init__(self, forest: Forest) -> None:
        self.classes = forest.classes
        self._weights = forest.weights
        self._total_weight = forest.total_weight
        trees, leaves, slot = [], [], 0
        for root in forest.trees:
            builder = _TreeBuilder(slot, _max_code(root))
            builder.add(root, 0)
            trees.append(builder.build())
            leaves += [(len(trees) - 1, leaf) for leaf in builder.leaves]
            slot = builder.next_slot
        self._trees = trees
        self._slots = {(tree, leaf.id): i for i, (tree, leaf) in enumerate(leaves)}
        self._outputs = np.array([_output(leaf) for _, leaf in leaves], dtype=np.float64)

    @property
    def is_classification(self) -> bool:
        return self.classes is not None

    def update_leaf(self, tree: int, leaf: Leaf) -> None:
        """Copy-on-write: a new outputs array with the leaf's row replaced, swapped in with one assignment."""
        slot = self._slots[(tree, leaf.id)]
        outputs = self._outputs.copy()
        outputs[slot] = _output(leaf)
        self._outputs = outputs

    @staticmethod
    def _in_negative_set(tree: _CompiledTree, at: np.ndarray, value: np.ndarray) -> np.ndarray:
        """Whether each categorical ``value`` is in node ``at``'s negative set.

        Only a whole number in ``[0, width)`` can be: anything else (NaN, ±inf, fractions, negatives, or an
        encoding past every set's largest one) is in no set, as ``value in frozenset`` says in the object forest.
        """
        width = tree.negative_codes.shape[1]
        valid = (value >= 0) & (value < width) & (np.floor(value) == value)
        codes = np.where(valid, value, 0).astype(np.intp)
        return valid & tree.negative_codes[at, codes]

    def _leaf_slots(self, tree: _CompiledTree, x: np.ndarray) -> np.ndarray:
        node = np.zeros(len(x), dtype=np.intp)
        for _ in range(tree.depth):
            feature = tree.feature[node]
            inner = np.flatnonzero(feature >= 0)
            if not inner.size:
                break
            at = node[inner]
            value = x[inner, feature[inner]]
            goes_positive = value > tree.threshold[at]
            categorical = np.flatnonzero(tree.categorical[at])
            if categorical.size:
                goes_positive[categorical] = ~self._in_negative_set(tree, at[categorical], value[categorical])
            goes_positive = np.where(np.isnan(value), tree.default_positive[at], goes_positive)
            node[inner] = np.where(goes_positive, tree.positive[at], tree.negative[at])
        return tree.leaf_slot[node]

    def _weighted_average(self, x: np.ndarray) -> np.ndarray:
        """Sum of weight × leaf output in tree order, over the total weight: ``Forest``'s arithmetic exactly."""
        outputs = self._outputs  # one read: a concurrent update cannot mix two versions into one answer
        total = np.zeros((len(x), *outputs.shape[1:]), dtype=np.float64)
        for tree, weight in zip(self._trees, self._weights, strict=True):
            total += weight * outputs[self._leaf_slots(tree, x)]
        return total / self._total_weight

    def distributions(self, x: np.ndarray) -> np.ndarray:
        """Rows of weighted average class probabilities, one per example (rows of ``x``, a column per predictor)."""
        if self.classes is None:
            raise ValueError("a regression forest has no class distribution")
        return self._weighted_average(x)

    def predict(self, x: np.ndarray) -> list[str]:
        """The served predictions of many examples: class names, or values as decimal strings."""
        if self.classes is None:
            return [repr(float(v)) for v in self._weighted_average(x)]
        classes = self.classes
        return [classes[i] for i in np.argmax(self.distributions(x), axis=1)]

    def predict_values(self, x: np.ndarray) -> np.ndarray:
        if self.classes is not None:
            raise ValueError("a classification forest predicts classes, not values")
        return self._weighted_average(x)

    def predict_class_indices(self, x: np.ndarray) -> np.ndarray:
        return np.argmax(self.distributions(x), axis=1)
