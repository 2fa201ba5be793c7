"""Our :class:`Forest` from MLlib's saved random forest model.

The trees are read from MLlib's own saved model (``<candidate>/spark-model``, Parquet with every node's split,
children and impurity statistics), a single read rather than thousands of py4j calls. Per-node record counts and
leaf class counts are MLlib's ``impurityStats``, i.e. the (bootstrap-weighted) training examples that reached each
node. When MLlib trained on bin indices (``split_candidates``), each numeric threshold is translated back to the
feature value it stands for, so the forest routes raw values exactly as MLlib routed their bins.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from oryx_assets.apps.rdf.split_candidates import Cuts
from oryx_core.apps.rdf.encoding import Encodings
from oryx_core.apps.rdf.trees import (
    ROOT_ID,
    CategoricalSplit,
    ClassificationLeaf,
    Decision,
    Forest,
    Node,
    NumericSplit,
    RegressionLeaf,
    child_id,
)

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

NO_CUTS = Cuts({})


def forest_from_saved_model(
    spark: SparkSession,
    path: str,
    encodings: Encodings,
    importances: list[float],
    classification: bool,
    cuts: Cuts = NO_CUTS,
) -> Forest:
    """Our forest from MLlib's saved ``RandomForest*Model`` (``<path>/data``: one row per tree node)."""
    rows = spark.read.parquet(path.rstrip("/") + "/data").select("treeID", "nodeData").collect()
    by_tree: dict[int, dict[int, Any]] = {}
    for row in rows:
        by_tree.setdefault(int(row["treeID"]), {})[int(row["nodeData"]["id"])] = row["nodeData"]
    trees = [convert(nodes, 0, ROOT_ID, classification, cuts) for _, nodes in sorted(by_tree.items())]
    return Forest(trees, encodings.classes, importances)


def _examples(node: Any, classification: bool) -> float:
    stats = node["impurityStats"]
    return float(sum(stats)) if classification else float(stats[0])


def convert(nodes: Mapping[int, Any], spark_id: int, node_id: str, classification: bool, cuts: Cuts = NO_CUTS) -> Node:
    """MLlib's node ``spark_id`` and its subtree: MLlib's right child (value > threshold, or a category not in
    the left set) is our positive ``+`` child, its left child our negative ``-`` child."""
    node = nodes[spark_id]
    if node["leftChild"] < 0:
        if classification:
            return ClassificationLeaf(node_id, tuple(float(c) for c in node["impurityStats"]))
        return RegressionLeaf(node_id, float(node["prediction"]), _examples(node, classification))
    split = node["split"]
    feature = int(split["featureIndex"])
    if split["numCategories"] >= 0:
        tree_split: NumericSplit | CategoricalSplit = CategoricalSplit(
            feature, frozenset(int(c) for c in split["leftCategoriesOrThreshold"])
        )
    else:
        tree_split = NumericSplit(feature, cuts.threshold(feature, float(split["leftCategoriesOrThreshold"][0])))
    left, right = nodes[node["leftChild"]], nodes[node["rightChild"]]
    return Decision(
        node_id,
        tree_split,
        convert(nodes, node["rightChild"], child_id(node_id, True), classification, cuts),
        convert(nodes, node["leftChild"], child_id(node_id, False), classification, cuts),
        _examples(right, classification) > _examples(left, classification),
        _examples(node, classification),
    )
