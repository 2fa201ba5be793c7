"""MLlib trained on our bins, our published forest on raw values: the same predictions, row for row.

MLlib's model is scored on the bin indices it learnt from; our forest, read from MLlib's saved model with its
thresholds translated back to cut values and sent through the PMML, is scored on the raw lines with the serving
layer's compiled forest. Many values sit exactly on a cut (one decimal place), where ``value > cut`` must say no.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pyspark.sql import DataFrame, SparkSession

from oryx_assets.apps.rdf.examples import parse_examples, usable, vectors
from oryx_assets.apps.rdf.split_candidates import _quantiles
from oryx_assets.apps.rdf.update import RDFUpdate, TrainedForest
from oryx_core.apps.rdf.compiled import CompiledForest
from oryx_core.apps.rdf.pmml import forest_from_pmml
from oryx_core.apps.rdf.trees import Decision, Node, NumericSplit
from oryx_core.config import load_config
from oryx_core.input.lines import parse_line
from oryx_core.ml.pmml import read_pmml, write_pmml

COLUMNS = ["skewed", "rounded", "kind", "target"]


def lines(classification: bool, count: int = 1500) -> list[str]:
    rng = np.random.default_rng(11)
    skewed = rng.lognormal(0, 1.5, count)
    rounded = np.round(rng.uniform(0, 3, count), 1)
    kind = rng.choice(["a", "b", "c", "d"], count)
    value = 3 * skewed + 4 * np.sin(3 * rounded) + 6 * (kind == "b") + rng.normal(0, 1, count)
    target = np.digitize(value, [4.0, 8.0]).astype(str) if classification else value
    return [f"{s!r},{r!r},{k},{t}" for s, r, k, t in zip(skewed.tolist(), rounded.tolist(), kind, target, strict=True)]


def app(classification: bool) -> RDFUpdate:
    categorical = '["kind", "target"]' if classification else '["kind"]'
    return RDFUpdate(
        load_config(
            None,
            [
                f"oryx.input-schema.feature-names={COLUMNS}".replace("'", '"'),
                f"oryx.input-schema.categorical-features={categorical}",
                "oryx.input-schema.target-feature=target",
                "oryx.rdf.num-trees=6",
            ],
        )
    )


HYPERPARAMS = {
    "max-split-candidates": 16,
    "max-depth": 6,
    "min-node-size": 1,
    "min-info-gain-nats": 0.0,
    "feature-subset-strategy": "auto",
}


def frame(spark: SparkSession, data: list[str]) -> DataFrame:
    return spark.createDataFrame([(None, line) for line in data], "key string, value string").coalesce(1)


def numeric_thresholds(node: Node, feature: int) -> set[float]:
    if not isinstance(node, Decision):
        return set()
    own = {node.split.threshold} if isinstance(node.split, NumericSplit) and node.split.feature == feature else set()
    return own | numeric_thresholds(node.positive, feature) | numeric_thresholds(node.negative, feature)


@pytest.mark.parametrize("classification", [False, True], ids=["regression", "classification"])
def test_published_forest_on_raw_values_predicts_what_mllib_predicts_on_bins(
    spark: SparkSession, tmp_path: Path, classification: bool
) -> None:
    update, data = app(classification), lines(classification)
    hyperparams = {**HYPERPARAMS, "impurity": "gini" if classification else "variance"}
    trained = update.train_forest(spark, frame(spark, data), hyperparams, f"file:{tmp_path}/spark-model")
    assert isinstance(trained, TrainedForest)
    assert sorted(trained.cuts.by_feature) == [0, 1]  # both numeric predictors binned, not the category
    assert all(len(cuts) <= 16 for cuts in trained.cuts.by_feature.values())

    binned = vectors(usable(parse_examples(frame(spark, data), update.schema)), trained.encodings, trained.cuts)
    mllib = trained.mllib_model.transform(binned).collect()
    pmml = update.build_model(spark, frame(spark, data), hyperparams, f"file:{tmp_path}/candidate")
    assert pmml is not None
    forest, encodings = forest_from_pmml(read_pmml(write_pmml(pmml)), update.schema)
    raw = np.array([encodings.features(parse_line(line)) for line in data])
    ours = CompiledForest(forest)
    assert len(mllib) == len(data)
    if classification:
        probabilities = np.array([row["probability"].toArray() for row in mllib])
        assert ours.distributions(raw) == pytest.approx(probabilities, rel=1e-12, abs=1e-12)
        assert ours.predict_class_indices(raw).tolist() == [int(row["prediction"]) for row in mllib]
        assert len({int(row["prediction"]) for row in mllib}) == 3
    else:
        assert ours.predict_values(raw) == pytest.approx([row["prediction"] for row in mllib], rel=1e-12)
    # Every numeric threshold is a cut value: serving compares real feature values, never bin indices.
    for feature, cuts in trained.cuts.by_feature.items():
        used = set().union(*(numeric_thresholds(tree, feature) for tree in forest.trees))
        assert used and used <= set(cuts.tolist())
    # Values lying exactly on a used cut exist, so the boundary rule was exercised.
    rounded_cuts = set().union(*(numeric_thresholds(tree, 1) for tree in forest.trees))
    assert rounded_cuts & set(raw[:, 1].tolist())


def test_quantiles_are_exact_from_a_whole_sample_and_within_their_rank_error_from_spark(spark: SparkSession) -> None:
    values = np.random.default_rng(2).permutation(np.arange(1.0, 101.0))  # the value is its rank
    frame = spark.createDataFrame([(float(v),) for v in values], "a double")
    [from_sample] = _quantiles(frame, ["a"], 3, {"a": values}, whole=True)
    [from_spark] = _quantiles(frame, ["a"], 3, {}, whole=False)
    assert list(from_sample) == [25.0, 50.0, 75.0]
    # approxQuantile's rank error is at most a tenth of the quantiles' spacing: 0.1 / 4 of 100 rows.
    assert all(abs(got - want) <= 2.5 for got, want in zip(from_spark, [25.0, 50.0, 75.0], strict=True))
