"""The RDF ``UP`` messages (spec 2.3) and how a leaf absorbs them.

* Classification: ``[treeIndex, nodeID, {"<targetEncoding>": count, ...}]``: counts of new examples per class
  that reached the leaf; they are added to the leaf's counts, and the probabilities follow.
* Regression: ``[treeIndex, nodeID, mean, count]``: the mean target of ``count`` new examples; the leaf value
  becomes ``p + n/(N+n)·(mean − p)`` with count ``N+n``, a running mean.

Both are deltas (the speed layer ignores its own ``UP`` messages, so it always counts from the batch model), which
is why serving can apply them in any number without double counting.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from oryx_core.apps.rdf.trees import ClassificationLeaf, Forest, Leaf, RegressionLeaf

__all__ = [
    "ClassCountsUpdate",
    "LeafUpdate",
    "MeanUpdate",
    "RDFUpdateError",
    "apply_update",
    "format_update",
    "parse_update",
    "updates_for_examples",
]

_MAX_QUOTED = 200


class RDFUpdateError(ValueError):
    def __init__(self, message: str, problem: str) -> None:
        shown = message if len(message) <= _MAX_QUOTED else message[:_MAX_QUOTED] + "..."
        super().__init__(f"bad RDF UP message {shown!r}: {problem}")


@dataclass(frozen=True)
class ClassCountsUpdate:
    tree: int
    node_id: str
    counts: Mapping[int, int]


@dataclass(frozen=True)
class MeanUpdate:
    tree: int
    node_id: str
    mean: float
    count: int


LeafUpdate = ClassCountsUpdate | MeanUpdate


def format_update(update: LeafUpdate) -> str:
    if isinstance(update, ClassCountsUpdate):
        counts = {str(code): count for code, count in sorted(update.counts.items())}
        return json.dumps([update.tree, update.node_id, counts], separators=(",", ":"))
    return json.dumps([update.tree, update.node_id, update.mean, update.count], separators=(",", ":"))


def _count(message: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or value != int(value):
        raise RDFUpdateError(message, f"count {value!r} is not a non-negative integer")
    return int(value)


def parse_update(message: str) -> LeafUpdate:
    """Either form of ``UP``; RDFUpdateError (a ValueError) for anything else."""
    try:
        parsed = json.loads(message)
    except json.JSONDecodeError as e:
        raise RDFUpdateError(message, f"not JSON ({e})") from None
    if not isinstance(parsed, list) or len(parsed) not in (3, 4):
        raise RDFUpdateError(message, "expected [treeIndex, nodeID, counts] or [treeIndex, nodeID, mean, count]")
    tree, node_id = parsed[0], parsed[1]
    if isinstance(tree, bool) or not isinstance(tree, int) or not isinstance(node_id, str):
        raise RDFUpdateError(message, "the tree index must be an integer and the node ID a string")
    if len(parsed) == 3:
        if not isinstance(parsed[2], dict):
            raise RDFUpdateError(message, "the class counts must be a JSON object")
        try:
            counts = {int(code): _count(message, n) for code, n in parsed[2].items()}
        except ValueError as e:
            raise RDFUpdateError(message, f"class encodings must be integers ({e})") from None
        return ClassCountsUpdate(tree, node_id, counts)
    mean = parsed[2]
    if isinstance(mean, bool) or not isinstance(mean, int | float) or not math.isfinite(mean):
        raise RDFUpdateError(message, f"mean {mean!r} is not a finite number")
    return MeanUpdate(tree, node_id, float(mean), _count(message, parsed[3]))


def updated_leaf(leaf: Leaf, update: LeafUpdate) -> Leaf:
    """A new leaf with the update absorbed (leaves are immutable)."""
    if isinstance(leaf, ClassificationLeaf) and isinstance(update, ClassCountsUpdate):
        counts = list(leaf.counts)
        for code, n in update.counts.items():
            if not 0 <= code < len(counts):
                raise ValueError(f"class encoding {code} is outside 0..{len(counts) - 1}")
            counts[code] += n
        return ClassificationLeaf(leaf.id, tuple(counts))
    if isinstance(leaf, RegressionLeaf) and isinstance(update, MeanUpdate):
        total = leaf.count + update.count
        if total <= 0:
            return leaf
        value = leaf.value + (update.count / total) * (update.mean - leaf.value)
        return RegressionLeaf(leaf.id, value, total)
    raise ValueError(f"a {type(update).__name__} cannot update a {type(leaf).__name__}")


def apply_update(forest: Forest, update: LeafUpdate) -> Leaf:
    """Replaces the named leaf of ``forest`` with its updated copy and returns it; ValueError if none."""
    leaf = forest.node(update.tree, update.node_id)
    if not isinstance(leaf, ClassificationLeaf | RegressionLeaf):
        raise ValueError(f"node {update.node_id!r} of tree {update.tree} is not a leaf")
    new_leaf = updated_leaf(leaf, update)
    forest.replace_leaf(update.tree, new_leaf)
    return new_leaf


def updates_for_examples(forest: Forest, examples: Iterable[tuple[list[float], float]]) -> list[LeafUpdate]:
    """The speed layer's updates for new (features, target) examples: grouped by (tree, leaf), in that order.

    Classification targets are class encodings; regression targets values.
    """
    class_counts: dict[tuple[int, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    sums: dict[tuple[int, str], list[float]] = defaultdict(list)
    for features, target in examples:
        for tree_index, leaf in enumerate(forest.leaves_for(features)):
            if forest.is_classification:
                class_counts[(tree_index, leaf.id)][int(target)] += 1
            else:
                sums[(tree_index, leaf.id)].append(target)
    if forest.is_classification:
        return [ClassCountsUpdate(t, n, dict(c)) for (t, n), c in sorted(class_counts.items())]
    return [MeanUpdate(t, n, math.fsum(v) / len(v), len(v)) for (t, n), v in sorted(sums.items())]
