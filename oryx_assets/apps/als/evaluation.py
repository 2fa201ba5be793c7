"""Scoring an ALS candidate on held-out strengths in Spark SQL, next to the trivial models it must beat.

* Explicit: RMSE (the score is -RMSE, as in Oryx 2) and MAE of the estimates clipped to the training ratings'
  range, next to the global mean and the regularised user + item biases on the same pairs.
* Implicit: NDCG@10 and precision@10 of each user's top-10 list (``ranking``) and Oryx 2's mean per-user AUC,
  next to recommending the most popular items the user does not know. The score is NDCG@10 by default
  (``oryx.als.implicit-metric``): a sampled AUC rewards ranking a test item above a random one, and on
  MovieLens it chose a confidence weight (alpha 5.3) whose top-10 lists were 24 % worse than alpha 1's; "auc"
  keeps Oryx 2's score, and the meaning of a ``threshold`` written for it. Every implicit figure is a mean
  over the same users: all test users, or a fixed sample of ``ranking.MAX_RANKED_USERS`` when there are more
  (Oryx 2's AUC averaged over all of them; a sample of a thousand moves it by well under a percent).

The vectors come from the candidate's ``X/`` and ``Y/`` files (as Oryx 2 read them back), so what is scored is
exactly what would be published. Test pairs whose user or item has no vector are left out, for the baselines
too, so every figure is measured on the same pairs.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd
from pyspark.sql import functions as F

from oryx_assets.apps.als.evaluation_sample import evaluation_users
from oryx_assets.apps.als.ranking import (
    MODEL_CANDIDATE,
    POPULAR_CANDIDATE,
    SCANNED,
    TOP_N,
    figures,
    scan_items,
)
from oryx_assets.sql import run_sql
from oryx_core.api.batch import Evaluation

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from oryx_core.apps.als.layout import VectorLayout

MOST_POPULAR = "most_popular"
IMPLICIT_METRICS = ("ndcg_at_10", "precision_at_10", "auc")
"""What ``oryx.als.implicit-metric`` may name: the score implicit candidates are chosen by."""
GLOBAL_MEAN = "global_mean"
BIASES = "biases"


def _nan_if_none(value: object) -> float:
    return math.nan if value is None else float(value)  # type: ignore[arg-type]


def test_positives(spark: SparkSession, test: DataFrame, x: DataFrame, y: DataFrame) -> DataFrame:
    """``(user, item)`` test pairs with a positive strength that the model has both vectors for."""
    return run_sql(spark, "apps/als/test_positives.sql", test=test, x=x, y=y)


def implicit_evaluation(
    spark: SparkSession,
    test: DataFrame,
    train: DataFrame,
    x: DataFrame,
    y: DataFrame,
    seed: int = 0,
    metric: str = IMPLICIT_METRICS[0],
) -> Evaluation:
    """AUC, precision@10 and NDCG@10, and the same figures of the most-popular baseline; ``metric`` is the score.

    ``test``: held-out ``(user, item, strength)``; ``train``: the ``(user, item)`` pairs trained on (excluded from
    top-10 lists, and the popularity counts). The evaluation users come from three small queries
    (``evaluation_sample``), then one scan of the item vectors scores the model and the baseline together
    (``ranking``).
    """
    # The sample reads the positives three times (users, their count, the negatives' items): computed once.
    positives = test_positives(spark, test, x, y).cache()
    try:
        users = evaluation_users(spark, positives, train, x, seed)
    finally:
        positives.unpersist()
    scanned = pd.DataFrame({"kind": [], "user": [], "item": [], "model": [], "popular": []})
    if users.ids:
        popularity = train.groupBy("item").agg(F.count("*").cast("double").alias("popularity"))
        items = y.join(popularity, y.id == popularity.item, "left").select(
            "id", "features", F.coalesce("popularity", F.lit(0.0)).alias("popularity")
        )
        scanned = items.mapInPandas(scan_items(users), SCANNED).toPandas()
    model = figures(users, scanned, "model", MODEL_CANDIDATE)
    popular = figures(users, scanned, "popular", POPULAR_CANDIDATE)
    n = TOP_N
    metrics = {f"ndcg_at_{n}": model.ndcg, f"precision_at_{n}": model.precision, "auc": model.auc}
    baseline = {f"ndcg_at_{n}": popular.ndcg, f"precision_at_{n}": popular.precision, "auc": popular.auc}
    return Evaluation(
        score=metrics[metric],
        metrics=metrics,
        baselines={MOST_POPULAR: baseline},
        baseline=MOST_POPULAR,
        baseline_score=baseline[metric],
        test_rows=users.test_rows,
    )


def explicit_evaluation(
    spark: SparkSession,
    test: DataFrame,
    x: DataFrame,
    y: DataFrame,
    layout: VectorLayout,
    user_biases: DataFrame,
    item_biases: DataFrame,
) -> Evaluation:
    """-RMSE as the score; RMSE and MAE next to the global-mean and bias baselines (``explicit_errors.sql``).

    ``user_biases``/``item_biases``: ``(user|item, bias)`` around ``layout.global_mean``.
    """
    low, high = layout.rating_range if layout.rating_range is not None else (0.0, 0.0)
    [row] = run_sql(
        spark,
        "apps/als/explicit_errors.sql",
        args={"mu": layout.global_mean, "clip": layout.rating_range is not None, "low": low, "high": high},
        test=test,
        x=x,
        y=y,
        user_biases=user_biases,
        item_biases=item_biases,
    ).collect()
    rmse = _nan_if_none(row["rmse"])
    baselines = {
        GLOBAL_MEAN: {"rmse": _nan_if_none(row["mean_rmse"]), "mae": _nan_if_none(row["mean_mae"])},
        BIASES: {"rmse": _nan_if_none(row["biases_rmse"]), "mae": _nan_if_none(row["biases_mae"])},
    }
    return Evaluation(
        score=-rmse,
        metrics={"rmse": rmse, "mae": _nan_if_none(row["mae"])},
        baselines=baselines,
        baseline=BIASES,
        baseline_score=-baselines[BIASES]["rmse"],
        test_rows=int(row["pairs"]),
    )
