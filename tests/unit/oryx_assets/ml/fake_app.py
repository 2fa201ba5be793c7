"""A tiny ML-tier app for unit tests: its "model" records its hyperparameter, its score prefers x = 3."""

from __future__ import annotations

import math
from typing import Any
from xml.etree.ElementTree import Element

from pyspark.sql import DataFrame, SparkSession

from oryx_core.api.batch import Evaluation, MLUpdate
from oryx_core.config import OryxConfig
from oryx_core.ml.hyperparams import ContinuousRange, DiscreteRange, HyperParamValues
from oryx_core.ml.pmml import add_extension, get_extension, pmml_skeleton


class FakeApp(MLUpdate):
    def hyperparameter_values(self, config: OryxConfig) -> dict[str, HyperParamValues]:
        return {"x": DiscreteRange(1, 5)}

    def build_model(
        self, spark: SparkSession, train_df: DataFrame, hyperparams: dict[str, Any], candidate_dir: str
    ) -> Element | None:
        if hyperparams["x"] < 0:
            return None
        if hyperparams["x"] == 99:
            raise RuntimeError("cannot build x=99")
        root = pmml_skeleton(0)
        add_extension(root, "x", hyperparams["x"])
        add_extension(root, "rows", train_df.count())
        return root

    def evaluate(
        self, spark: SparkSession, model_pmml: Element, candidate_dir: str, test_df: DataFrame, train_df: DataFrame
    ) -> float:
        x = int(get_extension(model_pmml, "x") or 0)
        return math.nan if x == 0 else -abs(x - 3)


class HoldOutTLinesApp(FakeApp):
    """Holds out exactly the lines starting with "t", to show the app's own split is used."""

    def split_new_data(self, new_df: DataFrame, test_fraction: float, seed: int) -> tuple[DataFrame, DataFrame]:
        return new_df.filter(~new_df.value.startswith("t")), new_df.filter(new_df.value.startswith("t"))


class NaNScoringApp(FakeApp):
    """Builds models it cannot score: every evaluation is NaN."""

    def evaluate(
        self, spark: SparkSession, model_pmml: Element, candidate_dir: str, test_df: DataFrame, train_df: DataFrame
    ) -> float:
        return math.nan


class BaselineApp(FakeApp):
    """Returns an Evaluation: MAE |x - 3| next to a "mean" baseline whose MAE is ``baseline_mae``."""

    baseline_mae = 0.5

    def evaluate(
        self, spark: SparkSession, model_pmml: Element, candidate_dir: str, test_df: DataFrame, train_df: DataFrame
    ) -> Evaluation:
        mae = float(abs(int(get_extension(model_pmml, "x") or 0) - 3))
        return Evaluation(
            score=-mae,
            metrics={"mae": mae, "rows": float(train_df.count())},
            baselines={"mean": {"mae": self.baseline_mae}},
            baseline="mean",
            baseline_score=-self.baseline_mae,
            test_rows=test_df.count(),
        )


class LosesToBaselineApp(BaselineApp):
    """A baseline with MAE 0: the best candidate (MAE 0) only ties it, and a tie does not beat it."""

    baseline_mae = 0.0


class ScaleApp(FakeApp):
    """Adds a scale parameter ``lambda`` in [0.01, 1] (log-scaled by default) and a linear one reaching 0."""

    def hyperparameter_values(self, config: OryxConfig) -> dict[str, HyperParamValues]:
        return {"x": DiscreteRange(1, 5), "lambda": ContinuousRange(0.01, 1.0), "alpha": ContinuousRange(0.0, 1.0)}
