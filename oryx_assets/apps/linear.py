"""The linear regression batch app: ridge regression on the input schema's numeric features, as a PMML
``RegressionModel``; named ``oryx_assets.apps.linear.LinearUpdate``.

* Lines are parsed once per generation (``parse_input``, cached by the batch layer) by
  ``oryx_core.apps.linear.examples``, the rule the serving layer uses too; ``build_model`` and ``evaluate`` also
  accept raw lines and parse them. Bad lines are counted and logged with a few samples, never fatal.
* Training never collects rows: each partition summarises its examples as mergeable sufficient statistics; the
  driver merges one summary per partition and solves a d×d system (``oryx_core.apps.linear.model``).
* ``oryx.linear.hyperparams.lambda`` is the one hyperparameter (the ridge penalty on standardised features).
* Evaluation: RMSE and MAE on the test lines, next to the ``mean`` baseline (the training targets' mean for every
  line, recorded in the PMML); the score is -RMSE, so the search keeps the lowest error.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from oryx_core.api.batch import Evaluation, MLUpdate
from oryx_core.apps.linear.examples import linear_schema, parse_examples
from oryx_core.apps.linear.model import RegressionStats
from oryx_core.apps.linear.pmml import build_linear_pmml, read_linear_pmml, read_target_mean
from oryx_core.config import OryxConfig
from oryx_core.input.lines import SAMPLE_SIZE
from oryx_core.input.schema import InputSchema
from oryx_core.ml.hyperparams import HyperParamValues, from_oryx_config

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger(__name__)

LAMBDA_KEY = "oryx.linear.hyperparams.lambda"
STATS = (
    "count long, mean_x array<double>, mean_y double, xx array<double>, xy array<double>, bad long, why array<string>"
)
ERRORS = "count long, squared double, absolute double, mean_squared double, mean_absolute double, bad long"
ERRORS_COLUMNS = tuple(part.split()[0] for part in ERRORS.split(", "))

PARSED = "features array<double>, target double, error string"
"""``LinearUpdate.parse_input``'s rows: a good line's predictors and target, or a bad line's reason."""

PartitionFunction = Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]


def parse_rows(lines: DataFrame, schema: InputSchema) -> DataFrame:
    """The lines as ``PARSED`` rows, parsed on the executors by ``oryx_core.apps.linear.examples``."""

    def parse(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            features, targets, reasons = parse_examples(schema, batch["value"])
            good = pd.DataFrame({"features": features.tolist(), "target": targets, "error": None})
            bad = pd.DataFrame({"features": None, "target": None, "error": reasons})
            yield pd.concat([good, bad], ignore_index=True) if reasons else good

    return lines.select("value").mapInPandas(parse, PARSED)


def _examples(batch: pd.DataFrame, schema: InputSchema) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A batch of lines (parsed here) or of ``PARSED`` rows as a feature matrix, targets and bad-line reasons."""
    if "value" in batch.columns:
        return parse_examples(schema, batch["value"])
    good = batch["error"].isna()
    features = np.array(batch.loc[good, "features"].tolist(), dtype=np.float64).reshape(-1, len(schema.predictors))
    return features, batch.loc[good, "target"].to_numpy(dtype=np.float64), batch.loc[~good, "error"].tolist()


def _partition_stats(schema: InputSchema) -> PartitionFunction:
    """One row per partition: its good lines' statistics and up to ``SAMPLE_SIZE`` bad lines with reasons."""

    def summarise(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        total, bad = RegressionStats.empty(len(schema.predictors)), []
        for batch in batches:
            features, targets, reasons = _examples(batch, schema)
            total = total.merge(RegressionStats.of(features, targets))
            bad += reasons
        row = {
            "count": total.count,
            "mean_x": total.mean_x.tolist(),
            "mean_y": total.mean_y,
            "xx": total.xx.ravel().tolist(),
            "xy": total.xy.tolist(),
            "bad": len(bad),
            "why": bad[:SAMPLE_SIZE],
        }
        yield pd.DataFrame([row])

    return summarise


def training_stats(rows: DataFrame, schema: InputSchema) -> RegressionStats:
    """The merged statistics of ``rows`` (input lines, or ``PARSED`` rows); bad lines are logged with a few
    samples."""
    width = len(schema.predictors)
    total, bad, samples = RegressionStats.empty(width), 0, []
    for row in rows.mapInPandas(_partition_stats(schema), STATS).collect():
        part = RegressionStats(
            int(row["count"]),
            np.array(row["mean_x"], dtype=np.float64),
            float(row["mean_y"]),
            np.array(row["xx"], dtype=np.float64).reshape(width, width),
            np.array(row["xy"], dtype=np.float64),
        )
        total = total.merge(part)
        bad += int(row["bad"])
        samples += list(row["why"])
    if bad:
        log.warning("linear: skipped %d bad training line(s); e.g. %s", bad, "; ".join(samples[:SAMPLE_SIZE]))
    return total


def _partition_errors(
    schema: InputSchema, predict: Callable[[np.ndarray], np.ndarray], mean: float
) -> PartitionFunction:
    """Per batch: summed squared and absolute errors of the model and of the mean baseline, and the bad lines."""

    def errors(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            features, targets, reasons = _examples(batch, schema)
            model_errors, mean_errors = predict(features) - targets, mean - targets
            yield pd.DataFrame(
                [
                    {
                        "count": len(targets),
                        "squared": float(np.sum(model_errors**2)),
                        "absolute": float(np.sum(np.abs(model_errors))),
                        "mean_squared": float(np.sum(mean_errors**2)),
                        "mean_absolute": float(np.sum(np.abs(mean_errors))),
                        "bad": len(reasons),
                    }
                ]
            )

    return errors


def regression_evaluation(sums: Mapping[str, float]) -> Evaluation:
    """RMSE and MAE of the model and of the mean baseline from summed errors; a NaN score without test rows."""
    rows = int(sums["count"])
    if not rows:
        return Evaluation(score=math.nan, test_rows=0)
    rmse, mean_rmse = math.sqrt(sums["squared"] / rows), math.sqrt(sums["mean_squared"] / rows)
    return Evaluation(
        score=-rmse,
        metrics={"rmse": rmse, "mae": sums["absolute"] / rows},
        baselines={"mean": {"rmse": mean_rmse, "mae": sums["mean_absolute"] / rows}},
        baseline="mean",
        baseline_score=-mean_rmse,
        test_rows=rows,
    )


class LinearUpdate(MLUpdate):
    """Ridge regression as an ``MLApp``: the ML tier splits, searches ``lambda``, chooses and publishes."""

    def __init__(self, config: OryxConfig) -> None:
        super().__init__(config)
        self.schema = linear_schema(config)
        self.penalties = from_oryx_config(config, LAMBDA_KEY)

    def hyperparameter_values(self, config: OryxConfig) -> Mapping[str, HyperParamValues]:
        return {"lambda": self.penalties}

    def parse_input(self, spark: SparkSession, lines: DataFrame) -> DataFrame:
        """The lines as ``PARSED`` rows, once per generation (the batch layer caches them for every candidate)."""
        return parse_rows(lines, self.schema)

    def build_model(
        self, spark: SparkSession, train_df: DataFrame, hyperparams: dict[str, Any], candidate_dir: str
    ) -> Element | None:
        stats = training_stats(train_df, self.schema)
        if stats.count == 0:
            log.warning("linear: no usable training line, so no model")
            return None
        penalty = float(hyperparams["lambda"])
        return build_linear_pmml(self.schema, stats.fit(penalty), penalty, stats.mean_y)

    def evaluate(
        self, spark: SparkSession, model_pmml: Element, candidate_dir: str, test_df: DataFrame, train_df: DataFrame
    ) -> Evaluation:
        from pyspark.sql import functions as F

        model = read_linear_pmml(model_pmml, self.schema)
        errors = _partition_errors(self.schema, model.predict, read_target_mean(model_pmml))
        per_batch = test_df.mapInPandas(errors, ERRORS)
        sums = per_batch.agg(*(F.sum(c).alias(c) for c in ERRORS_COLUMNS)).first()
        assert sums is not None
        if sums["bad"]:
            log.warning("linear evaluation: skipped %d test line(s) that are not examples", sums["bad"])
        return regression_evaluation({c: float(sums[c] or 0) for c in ERRORS_COLUMNS})
