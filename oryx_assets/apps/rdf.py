"""Oryx 2's random decision forest batch app (``RDFUpdate``) on Spark MLlib, for classification and regression.

Each candidate model is trained like this:

1. The input lines are parsed in Spark (``mapInPandas``, CSV or JSON arrays, columns from
   ``oryx.input-schema``). A line that does not parse, has the wrong width, holds a non-number in a numeric
   column, lacks its target, or has a missing predictor value (MLlib cannot train on those) is skipped, counted
   and logged with samples; it never fails the generation.
2. Categorical encodings come from the training data: each categorical column's distinct values, sorted (so a
   generation is reproducible), are its encodings 0, 1, ... and go into the PMML ``DataDictionary``. The arity of
   each categorical predictor is passed to MLlib as ML attribute metadata on the feature vector.
3. ``pyspark.ml`` ``RandomForestClassifier`` / ``RandomForestRegressor`` trains with ``numTrees`` =
   ``oryx.rdf.num-trees`` (with one tree MLlib neither bootstraps nor subsamples features: a plain decision
   tree), featureSubsetStrategy ``auto``, a fixed seed, and the hyperparameters ``max-split-candidates``
   (``maxBins``, raised to the largest categorical arity when smaller, which MLlib requires), ``max-depth``,
   ``impurity`` (regression always uses ``variance``), ``min-node-size`` (``minInstancesPerNode``) and
   ``min-info-gain-nats`` (``minInfoGain``). The last two were inert in Oryx 2; here they are real.
4. The trained trees are read from MLlib's own saved model (``<candidate>/spark-model``, Parquet with every
   node's split, children and impurity statistics), a single read rather than thousands of py4j calls.
   Per-node record counts and leaf class counts are MLlib's ``impurityStats``, i.e. the (bootstrap-weighted)
   training examples that reached each node, and feature importances are MLlib's ``featureImportances``
   (impurity-gain based, normalised to sum 1) rather than Oryx 2's share of split traversals.

Evaluation reads the candidate back from its PMML and scores the test lines with the serving layer's own
prediction code (``oryx_core.apps.rdf``), so the score is that of the model that will be served: accuracy for
classification, −RMSE for regression. Test lines the model cannot score (bad, or an unseen category) are skipped
and counted.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from oryx_core.api.batch import MLUpdate
from oryx_core.apps.rdf.compiled import CompiledForest
from oryx_core.apps.rdf.encoding import Encodings
from oryx_core.apps.rdf.pmml import forest_from_pmml, forest_to_pmml
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
from oryx_core.config import ConfigError, OryxConfig
from oryx_core.input.lines import BadLineError, parse_line
from oryx_core.input.schema import InputSchema
from oryx_core.ml.hyperparams import Fixed, HyperParamValues, from_oryx_config

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger(__name__)

SEED = 1234
"""Fixed so that a candidate's score depends on its hyperparameters, not on the bootstrap draw."""
BAD = "_bad"
LABEL = "label"
FEATURES = "features"
SPARK_MODEL = "spark-model"
_SAMPLES = 5


def _hyperparam_key(name: str) -> str:
    return f"oryx.rdf.hyperparams.{name}"


class RDFUpdate(MLUpdate):
    """One random forest per candidate; see the module docstring."""

    def __init__(self, config: OryxConfig | None = None) -> None:
        if config is None:
            raise ValueError("RDFUpdate needs the Oryx configuration (oryx.input-schema and oryx.rdf)")
        super().__init__(config)
        self.schema = InputSchema.from_config(config)
        self.num_trees = config.get_int("oryx.rdf.num-trees")
        if self.num_trees < 1:
            raise ConfigError("oryx.rdf.num-trees", f"must be at least 1, got {self.num_trees}")

    # ---- MLUpdate --------------------------------------------------------------------------------------

    def hyperparameter_values(self, config: OryxConfig) -> Mapping[str, HyperParamValues]:
        names = ("max-split-candidates", "max-depth", "impurity", "min-node-size", "min-info-gain-nats")
        values = {name: from_oryx_config(config, _hyperparam_key(name)) for name in names}
        if not self.schema.is_classification:
            values["impurity"] = Fixed("variance")  # the only impurity MLlib has for regression
        return values

    def build_model(
        self, spark: SparkSession, train_df: DataFrame, hyperparams: dict[str, Any], candidate_dir: str
    ) -> Element | None:
        from pyspark.sql import functions as F

        parsed = parse_examples(train_df, self.schema).cache()
        try:
            usable, categories = _summarise(parsed, self.schema)
            if not usable:
                log.warning("RDF candidate %s: no usable training lines", candidate_dir)
                return None
            encodings = Encodings(self.schema, categories)
            vectors = _vectors(parsed.filter(F.col(BAD).isNull()).drop(BAD), encodings)
            model = self._estimator(hyperparams, encodings).fit(vectors)
            path = candidate_dir.rstrip("/") + "/" + SPARK_MODEL
            model.write().overwrite().save(path)
            forest = forest_from_saved_model(
                spark, path, encodings, list(model.featureImportances.toArray()), self.schema.is_classification
            )
        finally:
            parsed.unpersist()
        extensions = {
            "maxDepth": int(hyperparams["max-depth"]),
            "maxSplitCandidates": int(hyperparams["max-split-candidates"]),
            "impurity": self._impurity(hyperparams),
            "minNodeSize": int(hyperparams["min-node-size"]),
            "minInfoGainNats": float(hyperparams["min-info-gain-nats"]),
        }
        return forest_to_pmml(forest, encodings, extensions)

    def evaluate(
        self, spark: SparkSession, model_pmml: Element, candidate_dir: str, test_df: DataFrame, train_df: DataFrame
    ) -> float:
        forest, encodings = forest_from_pmml(model_pmml, self.schema)
        return evaluate_forest(test_df, forest, encodings)

    # ---- helpers ---------------------------------------------------------------------------------------

    def _impurity(self, hyperparams: Mapping[str, Any]) -> str:
        impurity = str(hyperparams["impurity"])
        if not self.schema.is_classification:
            return "variance"
        if impurity not in ("gini", "entropy"):
            raise ConfigError(
                _hyperparam_key("impurity"), f"must be gini or entropy for classification, not {impurity!r}"
            )
        return impurity

    def _estimator(self, hyperparams: Mapping[str, Any], encodings: Encodings) -> Any:
        from pyspark.ml.classification import RandomForestClassifier
        from pyspark.ml.regression import RandomForestRegressor

        bins = int(hyperparams["max-split-candidates"])
        if bins < 2:
            raise ConfigError(_hyperparam_key("max-split-candidates"), f"must be at least 2, got {bins}")
        arity = max((len(encodings.values[c]) for c in self.schema.categorical_predictors), default=0)
        if arity > bins:
            log.info(
                "RDF: maxBins raised from %d to %d, the largest categorical arity (MLlib requires it)", bins, arity
            )
        params = {
            "numTrees": self.num_trees,
            "maxDepth": int(hyperparams["max-depth"]),
            "maxBins": max(bins, arity),
            "minInstancesPerNode": max(1, int(hyperparams["min-node-size"])),
            "minInfoGain": max(0.0, float(hyperparams["min-info-gain-nats"])),
            "impurity": self._impurity(hyperparams),
            "featureSubsetStrategy": "auto",
            "seed": SEED,
            "labelCol": LABEL,
            "featuresCol": FEATURES,
        }
        if self.schema.is_classification:
            return RandomForestClassifier(**params)
        return RandomForestRegressor(**params)


# ---- parsing in Spark -------------------------------------------------------------------------------------


def _spark_schema(schema: InputSchema) -> Any:
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    assert schema.target is not None
    fields = [
        StructField(c, DoubleType() if schema.is_numeric(c) else StringType())
        for c in (*schema.predictors, schema.target)
    ]
    return StructType([*fields, StructField(BAD, StringType())])


def _parse_batches(schema: InputSchema) -> Any:
    """The ``mapInPandas`` function: typed columns per line, or the reason the line is unusable in ``_bad``."""
    assert schema.target is not None
    columns = [*schema.predictors, schema.target]

    def parse(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            rows = []
            for line in batch["value"]:
                rows.append(_parse_one(schema, columns, line))
            yield pd.DataFrame(rows, columns=[*columns, BAD])

    return parse


def _parse_one(schema: InputSchema, columns: list[str], line: str | None) -> list[Any]:
    empty: list[Any] = [None] * len(columns)
    if line is None:
        return [*empty, "null line"]
    try:
        row = schema.row(parse_line(line))
    except (BadLineError, ValueError) as e:
        return [*empty, f"{line[:200]!r}: {e}"]
    values = [row[c] if schema.is_numeric(c) or str(row[c]).strip() else None for c in columns]
    missing = [c for c, v in zip(columns, values, strict=True) if v is None or (isinstance(v, float) and math.isnan(v))]
    if missing:
        return [*empty, f"{line[:200]!r}: no value for {missing}"]
    return [*values, None]


def parse_examples(lines: DataFrame, schema: InputSchema) -> DataFrame:
    """Typed predictor and target columns per input line, and ``_bad`` (null when the line is usable)."""
    return lines.select("value").mapInPandas(_parse_batches(schema), _spark_schema(schema))


def _summarise(parsed: DataFrame, schema: InputSchema) -> tuple[int, dict[str, list[str]]]:
    """In one pass: how many lines are usable, and each categorical column's distinct values among them, sorted
    (their positions are the encodings). Unusable lines are counted and a few logged."""
    from pyspark.sql import functions as F

    assert schema.target is not None
    columns = [c for c in (*schema.predictors, schema.target) if not schema.is_numeric(c)]
    good = F.col(BAD).isNull()
    row = parsed.agg(
        F.count(F.when(good, 1)).alias("_usable"),
        F.count(BAD).alias("_unusable"),
        *(F.array_sort(F.collect_set(F.when(good, F.col(c)))).alias(c) for c in columns),
    ).first()
    assert row is not None
    if row["_unusable"]:
        samples = [r[BAD] for r in parsed.filter(~good).limit(_SAMPLES).collect()]
        log.warning(
            "RDF training data: skipped %d unusable line(s); first %d: %s", row["_unusable"], len(samples), samples
        )
    return int(row["_usable"]), {c: list(row[c]) for c in columns}


def _vectors(good: DataFrame, encodings: Encodings) -> DataFrame:
    """``label`` and ``features`` with the ML attribute metadata MLlib reads categorical arities from."""
    from pyspark.ml.functions import array_to_vector
    from pyspark.sql import functions as F

    schema = encodings.schema
    assert schema.target is not None

    def encoded(column: str) -> Any:
        if schema.is_numeric(column):
            return F.col(column).cast("double")
        values = F.array(*(F.lit(v) for v in encodings.values[column]))
        return (F.array_position(values, F.col(column)) - 1).cast("double")

    numeric_attrs, nominal_attrs = [], []
    for i, column in enumerate(schema.predictors):
        if schema.is_numeric(column):
            numeric_attrs.append({"idx": i, "name": column})
        else:
            nominal_attrs.append({"idx": i, "name": column, "vals": list(encodings.values[column])})
    attrs: dict[str, Any] = {"numeric": numeric_attrs} if numeric_attrs else {}
    if nominal_attrs:
        attrs["nominal"] = nominal_attrs
    feature_meta = {"ml_attr": {"attrs": attrs, "num_attrs": len(schema.predictors)}}
    label = encoded(schema.target)
    classes = encodings.classes
    if classes is not None:
        label = label.alias(LABEL, metadata={"ml_attr": {"type": "nominal", "name": LABEL, "vals": classes}})
    else:
        label = label.alias(LABEL)
    features = array_to_vector(F.array(*(encoded(c) for c in schema.predictors)))
    return good.select(label, features.alias(FEATURES, metadata=feature_meta))


# ---- reading MLlib's trees -----------------------------------------------------------------------------------


def forest_from_saved_model(
    spark: SparkSession, path: str, encodings: Encodings, importances: list[float], classification: bool
) -> Forest:
    """Our forest from MLlib's saved ``RandomForest*Model`` (``<path>/data``: one row per tree node)."""
    rows = spark.read.parquet(path.rstrip("/") + "/data").select("treeID", "nodeData").collect()
    by_tree: dict[int, dict[int, Any]] = {}
    for row in rows:
        by_tree.setdefault(int(row["treeID"]), {})[int(row["nodeData"]["id"])] = row["nodeData"]
    trees = [_convert(nodes, 0, ROOT_ID, encodings, classification) for _, nodes in sorted(by_tree.items())]
    return Forest(trees, encodings.classes, importances)


def _examples(node: Any, classification: bool) -> float:
    stats = node["impurityStats"]
    return float(sum(stats)) if classification else float(stats[0])


def _convert(nodes: Mapping[int, Any], spark_id: int, node_id: str, encodings: Encodings, classification: bool) -> Node:
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
        tree_split = NumericSplit(feature, float(split["leftCategoriesOrThreshold"][0]))
    left, right = nodes[node["leftChild"]], nodes[node["rightChild"]]
    return Decision(
        node_id,
        tree_split,
        _convert(nodes, node["rightChild"], child_id(node_id, True), encodings, classification),
        _convert(nodes, node["leftChild"], child_id(node_id, False), encodings, classification),
        _examples(right, classification) > _examples(left, classification),
        _examples(node, classification),
    )


# ---- evaluation ----------------------------------------------------------------------------------------------


def _score_batches(forest: Forest, encodings: Encodings) -> Any:
    """The ``mapInPandas`` function: per test line, 1/0 (correct class) or the squared error; NaN if unscorable.

    Predictions use the serving layer's vectorised forest (``CompiledForest``), a whole Arrow batch at a time.
    """
    compiled = CompiledForest(forest)

    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            results = np.full(len(batch), np.nan)
            rows, vectors, targets = [], [], []
            for i, line in enumerate(batch["value"]):
                try:
                    fields = parse_line(line)
                    vector, target = encodings.features(fields), encodings.target(fields)
                except (BadLineError, ValueError, TypeError):
                    continue
                vectors.append(vector)
                targets.append(target)
                rows.append(i)
            if rows:
                x, y = np.array(vectors, dtype=np.float64), np.array(targets, dtype=np.float64)
                if compiled.is_classification:
                    results[rows] = (compiled.predict_class_indices(x) == y.astype(np.int64)).astype(np.float64)
                else:
                    results[rows] = (compiled.predict_values(x) - y) ** 2
            yield pd.DataFrame({"score": results})

    return score


def evaluate_forest(test_df: DataFrame, forest: Forest, encodings: Encodings) -> float:
    """Accuracy (classification) or −RMSE (regression) of ``forest`` on the test lines; NaN with none usable."""
    from pyspark.sql import functions as F

    scores = test_df.select("value").mapInPandas(_score_batches(forest, encodings), "score double")
    row = scores.agg(
        F.avg(F.when(~F.isnan("score"), F.col("score"))).alias("mean"),
        F.sum(F.when(F.isnan("score"), 1).otherwise(0)).alias("skipped"),
    ).first()
    assert row is not None
    if row["skipped"]:
        log.warning("RDF evaluation: skipped %d test line(s) the model cannot score", row["skipped"])
    if row["mean"] is None:
        return math.nan
    mean = float(row["mean"])
    return mean if forest.is_classification else -math.sqrt(mean)
