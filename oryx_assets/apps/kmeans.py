"""The k-means batch app (Oryx 2's ``KMeansUpdate``): Spark MLlib KMeans, scored by the configured metric.

* Lines are parsed on the executors (``mapInPandas``) by the same rule as the speed and serving layers
  (``oryx_core.apps.kmeans.points``), once per generation (``parse_input``). A bad line (syntax, field count, a
  non-number) is counted and logged with a few samples, never fatal.
* ``k`` is the hyperparameter (``oryx.kmeans.hyperparams.k``, > 1); ``oryx.kmeans.iterations`` and
  ``oryx.kmeans.initialization-strategy`` (``k-means||`` or ``random``) are fixed. MLlib may return fewer
  than ``k`` centers when the data has fewer distinct points; the model then has that many clusters.
* ``oryx.kmeans.runs`` MLlib runs per candidate, from seeds ``SEED``, ``SEED + 1``, ...; the run with the lowest
  training cost (sum of squared distances) is kept. One k-means|| run can stop in a local optimum several
  percent worse than the best (or split a natural cluster); restarts are how scikit-learn's ``n_init`` and
  MLlib's old ``runs`` dealt with that. Oryx 2 ran once.
* Cluster sizes are MLlib's counts of training points per cluster.
* Evaluation (``oryx.kmeans.evaluation-strategy``) runs on train ∪ test. SSE, Davies-Bouldin and Dunn come from
  per-partition statistics merged on the driver; the silhouette from a sample of points collected to the driver
  (it compares all pairs). Signs follow Oryx 2: higher is better. The :class:`Evaluation` also reports the
  ``inertia`` and ``silhouette`` of those points (``clustering_metrics``); its ``test_rows`` counts them. There
  is no baseline: no trivial clustering is one a user would deploy instead.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pyspark.ml.clustering import KMeans
from pyspark.ml.functions import array_to_vector

from oryx_core.api.batch import Evaluation, MLUpdate, holds_lines
from oryx_core.apps.kmeans.clusters import KMeansModel
from oryx_core.apps.kmeans.evaluation import (
    METRIC_SILHOUETTE_SAMPLE,
    SILHOUETTE_SAMPLE,
    ClusterStats,
    EvaluationStrategy,
    cluster_stats,
    clustering_metrics,
    score_of,
)
from oryx_core.apps.kmeans.pmml import build_kmeans_pmml, read_kmeans_pmml
from oryx_core.apps.kmeans.points import kmeans_schema, parse_point
from oryx_core.config import ConfigError, OryxConfig
from oryx_core.input.lines import SAMPLE_SIZE, BadLineError
from oryx_core.input.schema import InputSchema
from oryx_core.ml.hyperparams import HyperParamValues, from_oryx_config

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger(__name__)

K_KEY = "oryx.kmeans.hyperparams.k"
ITERATIONS_KEY = "oryx.kmeans.iterations"
RUNS_KEY = "oryx.kmeans.runs"
INIT_KEY = "oryx.kmeans.initialization-strategy"
EVALUATION_KEY = "oryx.kmeans.evaluation-strategy"
INIT_STRATEGIES = ("k-means||", "random")
SEED = 0
"""Fixed, so a re-run of a generation trains the same model and a candidate's score reflects its k."""

PARSED = "features array<double>, error string, line string"
STATS = "counts array<bigint>, distance_sums array<double>, squared_sums array<double>"


def parse_points(lines: DataFrame, schema: InputSchema) -> DataFrame:
    """``features`` of each good line; bad lines keep ``features`` null and say why in ``error``."""

    def parse(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            features: list[list[float] | None] = []
            errors: list[str | None] = []
            for line in batch["value"]:
                try:
                    if line is None:
                        raise ValueError("is null")
                    features.append(parse_point(schema, line))
                    errors.append(None)
                except BadLineError as error:
                    features.append(None)
                    errors.append(error.reason)
                except ValueError as error:
                    features.append(None)
                    errors.append(str(error))
            lines_out = [
                line if error is not None else None for line, error in zip(batch["value"], errors, strict=True)
            ]
            yield pd.DataFrame({"features": features, "error": errors, "line": lines_out})

    return lines.select("value").mapInPandas(parse, PARSED)


@contextmanager
def good_points(rows: DataFrame, schema: InputSchema, what: str) -> Iterator[tuple[DataFrame, int]]:
    """The parsed points (``features`` array column) and their number, from lines (parsed here and cached while
    in use) or from rows ``parse_points`` made already (``KMeansUpdate.parse_input``: cached by the batch layer).

    Good and bad lines are counted in one pass; bad ones are logged with a few samples.
    """
    parsing_here = holds_lines(rows)
    parsed = parse_points(rows, schema).cache() if parsing_here else rows
    try:
        counts = parsed.selectExpr("count_if(error IS NULL) AS good", "count_if(error IS NOT NULL) AS bad").first()
        good, bad = (int(counts["good"]), int(counts["bad"])) if counts is not None else (0, 0)
        if bad:
            sample = parsed.where("error IS NOT NULL").limit(SAMPLE_SIZE).collect()
            examples = "; ".join(f"{row['line']!r} ({row['error']})" for row in sample)
            log.warning("k-means %s: skipped %d bad input line(s); e.g. %s", what, bad, examples)
        yield parsed.where("error IS NULL").select("features"), good
    finally:
        if parsing_here:
            parsed.unpersist()


def partition_stats(points: DataFrame, centers: np.ndarray) -> ClusterStats:
    """Cluster statistics computed per partition on the executors and merged on the driver."""
    k = len(centers)

    def stats(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        total = ClusterStats.empty(k)
        for batch in batches:
            if len(batch):
                total = total.merge(cluster_stats(centers, np.array(batch["features"].tolist(), dtype=np.float64)))
        yield pd.DataFrame(
            {
                "counts": [total.counts.tolist()],
                "distance_sums": [total.distance_sums.tolist()],
                "squared_sums": [total.squared_sums.tolist()],
            }
        )

    merged = ClusterStats.empty(k)
    for row in points.mapInPandas(stats, STATS).collect():
        merged = merged.merge(
            ClusterStats(
                np.array(row["counts"], dtype=np.int64),
                np.array(row["distance_sums"], dtype=np.float64),
                np.array(row["squared_sums"], dtype=np.float64),
            )
        )
    return merged


def sample_points(points: DataFrame, total: int, cap: int = SILHOUETTE_SAMPLE, seed: int = SEED) -> np.ndarray:
    """At most ``cap`` of the ``total`` points, drawn uniformly, as a matrix on the driver."""
    fraction = min(1.0, cap / total) if total else 1.0
    chosen = points if fraction >= 1.0 else points.sample(False, fraction, seed)
    rows = chosen.limit(cap).collect()
    return np.array([row["features"] for row in rows], dtype=np.float64)


class KMeansUpdate(MLUpdate):
    """``com.cloudera.oryx.app.batch.mllib.kmeans.KMeansUpdate``: one MLlib KMeans per candidate ``k``."""

    def __init__(self, config: OryxConfig | None = None) -> None:
        if config is None:
            raise ValueError("KMeansUpdate needs the Oryx configuration (its oryx.input-schema and oryx.kmeans.*)")
        super().__init__(config)
        self.schema = kmeans_schema(config)
        self.iterations = config.get_int(ITERATIONS_KEY)
        if self.iterations < 1:
            raise ConfigError(ITERATIONS_KEY, f"must be at least 1, got {self.iterations}")
        self.runs = config.get_int(RUNS_KEY)
        if self.runs < 1:
            raise ConfigError(RUNS_KEY, f"must be at least 1, got {self.runs}")
        self.init_strategy = config.get_string(INIT_KEY)
        if self.init_strategy not in INIT_STRATEGIES:
            raise ConfigError(INIT_KEY, f"must be one of {list(INIT_STRATEGIES)}, got {self.init_strategy!r}")
        strategy = config.get_string(EVALUATION_KEY)
        try:
            self.evaluation = EvaluationStrategy(strategy)
        except ValueError:
            valid = [s.value for s in EvaluationStrategy]
            raise ConfigError(EVALUATION_KEY, f"must be one of {valid}, got {strategy!r}") from None

    def hyperparameter_values(self, config: OryxConfig) -> Mapping[str, HyperParamValues]:
        return {"k": from_oryx_config(config, K_KEY)}

    def parse_input(self, spark: SparkSession, lines: DataFrame) -> DataFrame:
        """The lines' points, parsed once per generation; bad lines kept with their reason (``parse_points``)."""
        return parse_points(lines, self.schema)

    def build_model(
        self, spark: SparkSession, train_df: DataFrame, hyperparams: dict[str, Any], candidate_dir: str
    ) -> Element | None:
        k = int(hyperparams["k"])
        if k < 2:
            raise ConfigError(K_KEY, f"must be greater than 1, got {k}")
        with good_points(train_df, self.schema, "training data") as (points, good):
            if not good:
                log.warning("k-means: no valid training points; no model for k=%d", k)
                return None
            vectors = points.select(array_to_vector("features").alias("features")).cache()
            try:
                fitted = self._best_run(vectors, k)
            finally:
                vectors.unpersist()
            centers = [center.tolist() for center in fitted.clusterCenters()]
            sizes = [int(size) for size in fitted.summary.clusterSizes]
        log.info("k-means k=%d: %d clusters of sizes %s", k, len(centers), sizes)
        return build_kmeans_pmml(self.schema, KMeansModel.of(centers, sizes))

    def _best_run(self, vectors: DataFrame, k: int) -> Any:
        """The MLlib model of the lowest training cost among ``runs`` runs from successive seeds."""
        best, best_cost, costs = None, math.inf, []
        for run in range(self.runs):
            kmeans = KMeans(k=k, maxIter=self.iterations, initMode=self.init_strategy, seed=SEED + run)
            fitted = kmeans.fit(vectors)
            cost = float(fitted.summary.trainingCost)
            costs.append(cost)
            if best is None or cost < best_cost:
                best, best_cost = fitted, cost
        log.info("k-means k=%d: training costs of %d run(s) %s; kept %s", k, self.runs, costs, best_cost)
        return best

    def evaluate(
        self, spark: SparkSession, model_pmml: Element, candidate_dir: str, test_df: DataFrame, train_df: DataFrame
    ) -> Evaluation:
        """``evaluation-strategy`` over train ∪ test, as Oryx 2 does (not the test data alone), with the inertia
        and silhouette of the same points."""
        model = read_kmeans_pmml(model_pmml, self.schema)
        centers = np.asarray(model.centers)
        with good_points(test_df.unionByName(train_df), self.schema, "evaluation data") as (points, total):
            if total == 0:
                return Evaluation(score=math.nan, test_rows=0)
            stats = partition_stats(points, centers)
            cap = SILHOUETTE_SAMPLE if self.evaluation.needs_sample else METRIC_SILHOUETTE_SAMPLE
            sample = sample_points(points, total, cap)
        metrics = clustering_metrics(self.evaluation, centers, stats, sample)
        score = score_of(self.evaluation, metrics)
        log.info("k-means k=%d: %s = %s over %d points; %s", model.k, self.evaluation.value, score, total, metrics)
        return Evaluation(score=score, metrics=metrics, test_rows=total)
