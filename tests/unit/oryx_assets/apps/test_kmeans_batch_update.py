"""KMeansUpdate on a local Spark session: MLlib centers and sizes in the PMML, the best of several runs, bad lines
skipped, Oryx 2's scores with the inertia and silhouette next to them."""

from __future__ import annotations

import math
from xml.etree.ElementTree import Element

import numpy as np
import pytest
from pyspark.ml.clustering import KMeans
from pyspark.ml.functions import array_to_vector
from pyspark.sql import DataFrame, SparkSession

from oryx_assets.apps.kmeans import SEED, KMeansUpdate
from oryx_core.apps.kmeans.evaluation import cluster_stats, davies_bouldin, dunn, silhouette, sum_squared_error
from oryx_core.apps.kmeans.pmml import read_kmeans_pmml
from oryx_core.config import ConfigError, load_config
from oryx_core.ml.pmml import read_pmml, write_pmml

SCHEMA = [
    'oryx.input-schema.feature-names=["id", "x", "y"]',
    'oryx.input-schema.id-features=["id"]',
    "oryx.input-schema.categorical-features=[]",
]
# Two well separated groups: (0..1, 0..1) and (10..11, 10..11).
GOOD = [
    f"p{i},{x},{y}" for i, (x, y) in enumerate([(0, 0), (1, 0), (0, 1), (1, 1), (10, 10), (11, 10), (10, 11), (11, 11)])
]
BAD = ["p9,1", "p10,one,2", '["p11", "3"', ""]


def app(*overrides: str) -> KMeansUpdate:
    return KMeansUpdate(load_config(None, [*SCHEMA, *overrides]))


def frame(spark: SparkSession, lines: list[str]) -> DataFrame:
    return spark.createDataFrame([(None, line) for line in lines], "key string, value string")


@pytest.fixture(scope="module")
def pmml(spark: SparkSession) -> Element:
    """One model of the good points plus the bad lines, built once for the tests that only evaluate it."""
    built = app().build_model(spark, frame(spark, GOOD + BAD), {"k": 2}, "file:/unused")
    assert built is not None
    return built


def test_model_has_mllib_centers_and_training_sizes_and_skips_bad_lines(pmml: Element) -> None:
    model = read_kmeans_pmml(read_pmml(write_pmml(pmml)), app().schema)
    centers = sorted(map(tuple, model.centers.tolist()))
    assert centers == [(0.5, 0.5), (10.5, 10.5)]
    assert sorted(model.counts.tolist()) == [4, 4]


def test_evaluation_scores_train_and_test_together(spark: SparkSession, pmml: Element) -> None:
    update = app("oryx.kmeans.evaluation-strategy=SSE")
    # Each point is sqrt(0.5) from its center: SSE = 8 * 0.5 over train (6 lines) + test (2 lines).
    result = update.evaluate(spark, pmml, "file:/unused", frame(spark, GOOD[:2]), frame(spark, GOOD[2:] + BAD))
    assert result.score == pytest.approx(-4.0)
    assert result.test_rows == 8 and result.baseline is None and result.baselines == {}


@pytest.mark.parametrize("strategy", ["DAVIES_BOULDIN", "DUNN", "SILHOUETTE"])
def test_each_strategy_gives_the_shared_metric_with_oryx_2_sign(
    spark: SparkSession, pmml: Element, strategy: str
) -> None:
    update = app(f"oryx.kmeans.evaluation-strategy={strategy}")
    centers = read_kmeans_pmml(pmml, update.schema).centers
    points = np.array([[float(v) for v in line.split(",")[1:]] for line in GOOD])
    expected = {
        "DAVIES_BOULDIN": -davies_bouldin(centers, cluster_stats(centers, points)),
        "DUNN": dunn(centers, cluster_stats(centers, points)),
        "SILHOUETTE": silhouette(centers, points),
    }[strategy]
    result = update.evaluate(spark, pmml, "file:/unused", frame(spark, []), frame(spark, GOOD))
    assert result.score == pytest.approx(expected)
    # The usual figures, unsigned; the strategy's own value is named when it is neither of them.
    own = {"DAVIES_BOULDIN": {"davies_bouldin": -expected}, "DUNN": {"dunn": expected}, "SILHOUETTE": {}}[strategy]
    assert result.metrics == {
        "inertia": pytest.approx(4.0),
        "silhouette": pytest.approx(silhouette(centers, points)),
        **{name: pytest.approx(value) for name, value in own.items()},
    }


def test_no_valid_points_build_no_model_and_score_nan(spark: SparkSession, pmml: Element) -> None:
    assert app().build_model(spark, frame(spark, BAD), {"k": 2}, "file:/unused") is None
    result = app().evaluate(spark, pmml, "file:/unused", frame(spark, BAD), frame(spark, []))
    assert math.isnan(result.score) and result.test_rows == 0


def test_k_must_exceed_one(spark: SparkSession) -> None:
    with pytest.raises(ConfigError, match="oryx.kmeans.hyperparams.k"):
        app().build_model(spark, frame(spark, GOOD), {"k": 1}, "file:/unused")


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("oryx.kmeans.initialization-strategy=kmeans++", "oryx.kmeans.initialization-strategy"),
        ("oryx.kmeans.evaluation-strategy=AIC", "oryx.kmeans.evaluation-strategy"),
        ("oryx.kmeans.iterations=0", "oryx.kmeans.iterations"),
        ("oryx.kmeans.runs=0", "oryx.kmeans.runs"),
        ("oryx.input-schema.target-feature=y", "oryx.input-schema.target-feature"),
        ('oryx.input-schema.categorical-features=["y"]', "oryx.input-schema.numeric-features"),
    ],
)
def test_bad_settings_fail_at_start_naming_the_key(override: str, key: str) -> None:
    with pytest.raises(ConfigError) as error:
        app(override)
    assert error.value.key == key


def test_several_runs_keep_the_model_of_lowest_training_cost(spark: SparkSession) -> None:
    rng = np.random.default_rng(5)
    points = rng.uniform(0, 10, (300, 2))
    lines = [f"q{i},{x!r},{y!r}" for i, (x, y) in enumerate(points.tolist())]
    vectors = frame(spark, [line.split(",", 1)[1] for line in lines])
    vectors = vectors.selectExpr(
        "array(cast(split(value, ',')[0] as double), cast(split(value, ',')[1] as double)) AS f"
    )
    vectors = vectors.select(array_to_vector("f").alias("features"))
    single_runs = [
        KMeans(k=6, maxIter=30, initMode="random", seed=SEED + run).fit(vectors).summary.trainingCost
        for run in range(4)
    ]
    assert len({round(cost, 6) for cost in single_runs}) > 1, "the seeds must reach different optima"
    built = app("oryx.kmeans.runs=4", "oryx.kmeans.initialization-strategy=random").build_model(
        spark, frame(spark, lines), {"k": 6}, "file:/unused"
    )
    assert built is not None
    model = read_kmeans_pmml(built, app().schema)
    assert sum_squared_error(cluster_stats(model.centers, points)) == pytest.approx(min(single_runs), rel=1e-9)


def test_parsed_points_build_and_score_as_their_lines_do(spark: SparkSession, pmml: Element) -> None:
    update = app("oryx.kmeans.evaluation-strategy=SSE")
    train, test = (
        update.parse_input(spark, frame(spark, GOOD[2:] + BAD)),
        update.parse_input(spark, frame(spark, GOOD[:2])),
    )

    built = update.build_model(spark, train.unionByName(test), {"k": 2}, "file:/unused")
    result = update.evaluate(spark, pmml, "file:/unused", test, train)

    assert built is not None
    assert sorted(map(tuple, read_kmeans_pmml(built, update.schema).centers.tolist())) == [(0.5, 0.5), (10.5, 10.5)]
    assert (result.score, result.test_rows) == (pytest.approx(-4.0), 8)
