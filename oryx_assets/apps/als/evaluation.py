"""Scoring an ALS candidate on held-out strengths in Spark SQL, next to the trivial models it must beat.

* Explicit: RMSE (the score is -RMSE, as in Oryx 2) and MAE of the estimates clipped to the training ratings'
  range, next to the global mean and the regularised user + item biases on the same pairs.
* Implicit: NDCG@10 and precision@10 of each user's top-10 list (``ranking``) and Oryx 2's mean per-user AUC,
  next to recommending the most popular items the user does not know. The score is NDCG@10 by default
  (``oryx.als.implicit-metric``): a sampled AUC rewards ranking a test item above a random one, and on
  MovieLens it chose a confidence weight (alpha 5.3) whose top-10 lists were 24 % worse than alpha 1's; "auc"
  keeps Oryx 2's score, and the meaning of a ``threshold`` written for it.

The vectors come from the candidate's ``X/`` and ``Y/`` files (as Oryx 2 read them back), so what is scored is
exactly what would be published. Test pairs whose user or item has no vector are left out, for the baselines
too, so every figure is measured on the same pairs.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from oryx_assets.apps.als.baseline_memo import BaselineMemo, pair_fingerprint
from oryx_assets.apps.als.ranking import TOP_N, TopNQuality, popularity_vectors, top_n_quality
from oryx_assets.sql import load_sql
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
    return spark.sql(load_sql("apps/als/test_positives.sql"), test=test, x=x, y=y)


def auc_of_positives(spark: SparkSession, positives: DataFrame, x: DataFrame, y: DataFrame, seed: int = 0) -> float:
    """Oryx 2's mean per-user AUC (see ``mean_user_auc.sql``) of the given positives; NaN with none."""
    [row] = spark.sql(
        load_sql("apps/als/mean_user_auc.sql"), args={"seed": int(seed)}, positives=positives, x=x, y=y
    ).collect()
    return _nan_if_none(row["auc"])


def mean_user_auc(spark: SparkSession, test: DataFrame, x: DataFrame, y: DataFrame, seed: int = 0) -> float:
    """Oryx 2's implicit evaluation of ``test`` ``(user, item, strength)``; NaN when no test user can be scored."""
    positives = test_positives(spark, test, x, y).cache()
    try:
        return auc_of_positives(spark, positives, x, y, seed)
    finally:
        positives.unpersist()


def implicit_evaluation(
    spark: SparkSession,
    test: DataFrame,
    train: DataFrame,
    x: DataFrame,
    y: DataFrame,
    seed: int = 0,
    metric: str = IMPLICIT_METRICS[0],
    memo: BaselineMemo | None = None,
) -> Evaluation:
    """AUC, precision@10 and NDCG@10, and the same figures of the most-popular baseline; ``metric`` is the score.

    ``test``: held-out ``(user, item, strength)``; ``train``: the ``(user, item)`` pairs trained on (excluded from
    top-10 lists, and the popularity counts). With a ``memo`` the baseline is computed once for every candidate
    scored on the same pairs (``baseline_memo``).
    """
    positives = test_positives(spark, test, x, y).cache()
    try:
        rows = positives.count()
        auc = auc_of_positives(spark, positives, x, y, seed)
        quality = top_n_quality(spark, positives, train, x, y, seed)

        def baseline() -> tuple[float, TopNQuality]:
            popular_x, popular_y = popularity_vectors(spark, train, positives)
            popular_auc = auc_of_positives(spark, positives, popular_x, popular_y, seed)
            return popular_auc, top_n_quality(spark, positives, train, popular_x, popular_y, seed)

        if memo is None:
            popular_auc, popular = baseline()
        else:
            popular_auc, popular = memo.get(pair_fingerprint(positives, train, seed), baseline)
    finally:
        positives.unpersist()
    n = TOP_N
    metrics = {f"ndcg_at_{n}": quality.ndcg, f"precision_at_{n}": quality.precision, "auc": auc}
    baseline = {f"ndcg_at_{n}": popular.ndcg, f"precision_at_{n}": popular.precision, "auc": popular_auc}
    return Evaluation(
        score=metrics[metric],
        metrics=metrics,
        baselines={MOST_POPULAR: baseline},
        baseline=MOST_POPULAR,
        baseline_score=baseline[metric],
        test_rows=rows,
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
    [row] = spark.sql(
        load_sql("apps/als/explicit_errors.sql"),
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
