"""Top-N quality of implicit-feedback models: precision@N and NDCG@N, the figures users compare recommenders by.

Oryx 2 judged implicit models by a sampled AUC only, which says whether a test item outranks a random one, not
whether it reaches the top of a user's list, the place users look. Here each ranked test user's N best items
are those with the highest scores among all items, the user's training items excluded, as ``/recommend``
would answer; a hit is a held-out positive.

Cost control: at most ``MAX_RANKED_USERS`` test users are ranked (a fixed sample by hash, so a re-run scores
the same users). Their vectors go to the executors with the task (at most that many rows of k floats); every
partition of item vectors scores its items against all of them with one matrix product and keeps, per user,
its best ``N + (the user's training items)`` items, so the training items can be dropped in Spark afterwards
(``top_n_quality.sql``) and N still remain. No item matrix is ever collected.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pyspark.sql import functions as F

from oryx_assets.sql import load_sql

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

TOP_N = 10
MAX_RANKED_USERS = 1000
"""Enough for a stable mean (its standard error is a few percent of it) at a bounded cost per candidate."""
CANDIDATES = "user string, item string, score double"


@dataclass(frozen=True)
class TopNQuality:
    precision: float
    ndcg: float
    users: int


@dataclass(frozen=True)
class _RankedUsers:
    ids: list[str]
    vectors: np.ndarray  # (users, k) float32
    keep: np.ndarray  # per user: N + the number of its training items
    positives: list[int]  # per user: its held-out positives


def _ranked_users(
    spark: SparkSession, positives: DataFrame, train: DataFrame, x: DataFrame, seed: int, n: int
) -> _RankedUsers:
    users = spark.sql(
        load_sql("apps/als/ranked_users.sql"),
        args={"seed": int(seed), "max_users": MAX_RANKED_USERS},
        positives=positives,
    )
    known = train.groupBy("user").agg(F.count("*").alias("known"))
    rows = (
        users.join(x, users.user == x.id)
        .join(known, "user", "left")
        .select("user", "features", "positives", F.coalesce("known", F.lit(0)).alias("known"))
        .orderBy("user")
        .collect()
    )
    vectors = np.asarray([row["features"] for row in rows], dtype=np.float32).reshape(len(rows), -1)
    return _RankedUsers(
        [row["user"] for row in rows],
        vectors,
        np.asarray([n + row["known"] for row in rows]),
        [int(row["positives"]) for row in rows],
    )


def _best_items(ranked: _RankedUsers):  # type: ignore[no-untyped-def]  (a mapInPandas function)
    """Per batch of items: each ranked user's best ``keep`` of them by dot product."""

    def best(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            if batch.empty:
                continue
            items = batch["id"].to_numpy()
            scores = np.stack(batch["features"].to_numpy()).astype(np.float32) @ ranked.vectors.T
            users, chosen, values = [], [], []
            for column, (user, keep) in enumerate(zip(ranked.ids, ranked.keep, strict=True)):
                column_scores = scores[:, column]
                rows = (
                    np.argpartition(-column_scores, keep - 1)[:keep]
                    if keep < len(column_scores)
                    else np.arange(len(column_scores))
                )
                users.extend([user] * len(rows))
                chosen.append(items[rows])
                values.append(column_scores[rows].astype(np.float64))
            yield pd.DataFrame({"user": users, "item": np.concatenate(chosen), "score": np.concatenate(values)})

    return best


def top_n_quality(
    spark: SparkSession,
    positives: DataFrame,
    train: DataFrame,
    x: DataFrame,
    y: DataFrame,
    seed: int = 0,
    n: int = TOP_N,
) -> TopNQuality:
    """Mean precision@n and NDCG@n over the ranked test users.

    ``positives``: ``(user, item)`` held-out pairs the model can score; ``train``: the ``(user, item)`` pairs
    the model was trained on (excluded from the lists); ``x``/``y``: ``(id, features)`` vectors. Users with a
    positive but no vector are left out. NaN figures with no user to rank.
    """
    ranked = _ranked_users(spark, positives, train, x, seed, n)
    if not ranked.ids:
        return TopNQuality(float("nan"), float("nan"), 0)
    users = spark.createDataFrame(list(zip(ranked.ids, ranked.positives, strict=True)), "user string, positives long")
    candidates = y.select("id", "features").mapInPandas(_best_items(ranked), CANDIDATES)
    [row] = spark.sql(
        load_sql("apps/als/top_n_quality.sql"),
        args={"n": int(n)},
        candidates=candidates,
        train=train.select("user", "item"),
        positives=positives.select("user", "item"),
        users=users,
    ).collect()
    return TopNQuality(float(row["precision"]), float(row["ndcg"]), int(row["users"]))


def popularity_vectors(spark: SparkSession, train: DataFrame, users: DataFrame) -> tuple[DataFrame, DataFrame]:
    """The most-popular baseline as vectors: every user ``[1]``, every item ``[users who know it]``, so the
    same ranking and AUC code scores it."""
    items = train.groupBy("item").agg(F.array(F.count("*").cast("float")).alias("features"))
    people = users.select(F.col("user").alias("id")).distinct()
    return people.withColumn("features", F.array(F.lit(1.0).cast("float"))), items.withColumnRenamed("item", "id")
