"""Scoring an ALS candidate on held-out strengths, in Spark SQL: mean per-user AUC (implicit) or RMSE (explicit).

The vectors come from the candidate's ``X/`` and ``Y/`` files (as Oryx 2 read them back), so what is scored is
exactly what would be published. Test pairs whose user or item has no vector are left out.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from oryx_assets.sql import load_sql

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


def mean_user_auc(spark: SparkSession, test: DataFrame, x: DataFrame, y: DataFrame, seed: int = 0) -> float:
    """Oryx 2's implicit evaluation (see ``mean_user_auc.sql``); NaN when no test user can be scored.

    ``test`` holds ``(user, item, strength)``; ``x`` and ``y`` hold ``(id, features)``.
    """
    positives = spark.sql(load_sql("apps/als/test_positives.sql"), test=test, x=x, y=y).cache()
    try:
        [row] = spark.sql(
            load_sql("apps/als/mean_user_auc.sql"), args={"seed": int(seed)}, positives=positives, x=x, y=y
        ).collect()
    finally:
        positives.unpersist()
    return float(row["auc"]) if row["auc"] is not None else math.nan


def rmse(spark: SparkSession, test: DataFrame, x: DataFrame, y: DataFrame) -> float:
    """Root mean squared error of the dot-product estimates of ``test``'s strengths; NaN with nothing to score."""
    [row] = spark.sql(load_sql("apps/als/rmse.sql"), test=test, x=x, y=y).collect()
    return float(row["rmse"]) if row["rmse"] is not None else math.nan
