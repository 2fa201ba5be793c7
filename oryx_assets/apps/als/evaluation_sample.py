"""The users an implicit evaluation scores, and what the driver needs to score each: three small queries.

``evaluation_users`` picks a bounded sample of test users (``ranking.MAX_RANKED_USERS``, the smallest hashes of
their IDs with the generation's seed, so a re-run scores the same users) with their held-out positives, then
fetches only for those users their vectors and the items they were trained on, and draws their AUC negatives.

Why three queries and not one: a single statement that did all of it ran some 50 Spark jobs per candidate
(every common table expression computed once per reference), 5.8 s on 100,000 MovieLens ratings; each query
here reads its inputs once and returns at most a few thousand rows.

Negatives follow Oryx 2's mean per-user AUC: for a user with n positives, n items drawn at random (with
replacement) from the distinct items of all test positives, skipping the user's own positives, out of 2n + 10
draws (Oryx 2 drew until it had n, at most #items times, too few when items are few). The draws come from a
generator seeded by the generation, so a re-run draws the same negatives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from oryx_assets.apps.als.ranking import MAX_RANKED_USERS, EvaluationUsers
from oryx_assets.sql import run_sql

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

EXTRA_DRAWS = 10


def evaluation_users(
    spark: SparkSession, positives: DataFrame, train: DataFrame, x: DataFrame, seed: int
) -> EvaluationUsers:
    """The sampled test users in ID order, with their vectors, positives, training items and AUC negatives.

    ``positives``: test ``(user, item)`` pairs the model has vectors for; ``train``: the pairs trained on;
    ``x``: the user vectors ``(id, features)``.
    """
    args = {"seed": int(seed), "max_users": MAX_RANKED_USERS}
    rows = run_sql(spark, "apps/als/evaluation_sample.sql", args, positives=positives).collect()
    sample = sorted(rows, key=lambda row: row["user"])
    if not sample:
        return EvaluationUsers([], np.zeros((0, 0), np.float32), [], [], [], 0)
    ids = [row["user"] for row in sample]
    chosen = spark.createDataFrame(pa.table({"user": pa.array(ids, pa.string())}), "user string")
    known_rows = run_sql(
        spark, "apps/als/evaluation_known.sql", chosen=chosen, train=train.select("user", "item"), x=x
    ).collect()
    by_user = {row["user"]: row for row in known_rows}
    positives_of = [list(row["positives"]) for row in sample]
    return EvaluationUsers(
        ids=ids,
        vectors=np.asarray([by_user[user]["features"] for user in ids], dtype=np.float32),
        positives=[frozenset(items) for items in positives_of],
        known=[frozenset(by_user[user]["known"] or ()) for user in ids],
        negatives=_negatives(spark, positives, positives_of, int(sample[0]["test_items"]), seed),
        test_rows=int(sample[0]["test_rows"]),
    )


def _negatives(
    spark: SparkSession, positives: DataFrame, positives_of: list[list[str]], test_items: int, seed: int
) -> list[list[str]]:
    """Each user's AUC negatives (module doc): positions drawn here, only the drawn items fetched from Spark."""
    rng = np.random.default_rng(seed)
    draws = [rng.integers(0, test_items, size=2 * len(items) + EXTRA_DRAWS) for items in positives_of]
    needed = np.unique(np.concatenate(draws)).astype(np.int32)
    drawn = spark.createDataFrame(pa.table({"n": pa.array(needed, pa.int32())}), "n int")
    rows = run_sql(spark, "apps/als/evaluation_test_items.sql", positives=positives, drawn=drawn).collect()
    item_at = {int(row["n"]): row["item"] for row in rows}
    negatives = []
    for items, positions in zip(positives_of, draws, strict=True):
        own = set(items)
        candidates = (item_at[int(n)] for n in positions)
        negatives.append([item for item in candidates if item not in own][: len(items)])
    return negatives
