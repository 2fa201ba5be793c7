"""Strengths to factor matrices: int indices for Spark's ALS, MLlib ALS itself, and the ``X/`` ``Y/`` files.

* IDs are numbered in lexicographic order (``id_indices.sql``) and joined to the strengths and back to the
  factors in Spark; no ID dictionary is built on the driver.
* ``X/`` (users) and ``Y/`` (items) are gzip-compressed text part files, one JSON array ``[id, [f1..fk]]`` of
  float32 values per line, the layout Oryx 2 wrote and its PMML's ``X`` / ``Y`` extensions point at.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyspark.ml.recommendation import ALS, ALSModel

from oryx_assets.lambda_.storage import child_uri
from oryx_assets.sql import run_sql

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

CHECKPOINT_INTERVAL = 5
"""Oryx 2's value: truncates the lineage of ALS's iterations every 5 (needs a Spark checkpoint dir)."""


@dataclass(frozen=True)
class ALSParams:
    """The MLlib ALS settings of one candidate."""

    features: int
    lambda_: float
    alpha: float
    implicit: bool
    iterations: int
    seed: int = 0


def id_indices(spark: SparkSession, ids: DataFrame) -> DataFrame:
    """``(id, idx)`` for the distinct values of ``ids.id``, numbered 0.. in lexicographic order."""
    return run_sql(spark, "apps/als/id_indices.sql", ids=ids)


def indexed_ratings(spark: SparkSession, strengths: DataFrame, users: DataFrame, items: DataFrame) -> DataFrame:
    """``(user_idx, item_idx, rating)`` for ALS from ``(user, item, strength)``."""
    return run_sql(spark, "apps/als/indexed_ratings.sql", strengths=strengths, users=users, items=items)


def make_als(params: ALSParams, blocks: int) -> ALS:
    """MLlib's ALS estimator with Oryx 2's settings (its MLlib ALS also sized blocks by the default parallelism)."""
    return ALS(
        rank=params.features,
        maxIter=params.iterations,
        regParam=params.lambda_,
        implicitPrefs=params.implicit,
        alpha=params.alpha,
        checkpointInterval=CHECKPOINT_INTERVAL,
        seed=params.seed,
        numUserBlocks=blocks,
        numItemBlocks=blocks,
        userCol="user_idx",
        itemCol="item_idx",
        ratingCol="rating",
    )


def train_als(spark: SparkSession, ratings: DataFrame, params: ALSParams) -> ALSModel:
    blocks = max(1, spark.sparkContext.defaultParallelism)
    return make_als(params, blocks).fit(ratings)


def write_features(spark: SparkSession, factors: DataFrame, ids: DataFrame, uri: str) -> None:
    """Writes ALS factors ``(id int, features)`` as ``[stringID, [f..]]`` gzip text lines under ``uri``."""
    lines = run_sql(spark, "apps/als/feature_lines.sql", factors=factors, ids=ids)
    lines.write.mode("overwrite").option("compression", "gzip").text(uri)


def read_features(spark: SparkSession, model_dir: str, relative: str) -> DataFrame:
    """``(id string, features array<float>)`` from the ``X/`` or ``Y/`` folder ``relative`` to ``model_dir``."""
    lines = spark.read.text(child_uri(model_dir, relative))
    return run_sql(spark, "apps/als/feature_vectors.sql", lines=lines)
