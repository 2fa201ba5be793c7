"""LinearUpdate on a local Spark session: ridge coefficients from partition summaries, bad lines skipped, RMSE
and MAE next to the training mean's."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pyspark.sql import DataFrame, SparkSession

from oryx_assets.apps.linear import LinearUpdate
from oryx_core.apps.linear.pmml import read_linear_pmml, read_target_mean
from oryx_core.config import load_config
from oryx_core.ml.hyperparams import ContinuousRange
from oryx_core.ml.pmml import read_pmml, write_pmml

SCHEMA = [
    'oryx.input-schema.feature-names=["a", "b", "y"]',
    "oryx.input-schema.categorical-features=[]",
    "oryx.input-schema.target-feature=y",
]
# y = 1 + 2a - 3b exactly, on 12 points spread over 3 partitions.
POINTS = [(a, b) for a in range(4) for b in range(3)]
GOOD = [f"{a},{b},{1 + 2 * a - 3 * b}" for a, b in POINTS]
BAD = ["1,2", "1,x,3", "1,2,", '["1", "2"']


def app() -> LinearUpdate:
    return LinearUpdate(load_config(None, SCHEMA))


def frame(spark: SparkSession, lines: list[str]) -> DataFrame:
    return spark.createDataFrame([(None, line) for line in lines], "key string, value string").repartition(3)


def test_lambda_is_the_one_hyperparameter_searched_on_a_log_scale_by_default() -> None:
    update = app()
    values = update.hyperparameter_values(update.config)
    assert list(values) == ["lambda"]
    assert values["lambda"] == ContinuousRange(0.000001, 1.0)


def test_plain_least_squares_recovers_the_coefficients_and_skips_bad_lines(spark: SparkSession) -> None:
    update = app()
    pmml = update.build_model(spark, frame(spark, GOOD + BAD), {"lambda": 0.0}, "file:/unused")
    assert pmml is not None
    model = read_linear_pmml(read_pmml(write_pmml(pmml)), update.schema)
    assert model.coefficients == pytest.approx([2.0, -3.0], abs=1e-9)
    assert model.intercept == pytest.approx(1.0, abs=1e-9)
    assert read_target_mean(pmml) == pytest.approx(np.mean([1 + 2 * a - 3 * b for a, b in POINTS]))


def test_no_usable_line_builds_no_model(spark: SparkSession) -> None:
    assert app().build_model(spark, frame(spark, BAD), {"lambda": 0.1}, "file:/unused") is None


def test_evaluation_reports_rmse_and_mae_next_to_the_training_mean(spark: SparkSession) -> None:
    update = app()
    train = GOOD[:6]  # a in {0, 1}: targets 1, -2, -5, 3, 0, -3, mean -1
    pmml = update.build_model(spark, frame(spark, train), {"lambda": 0.0}, "file:/unused")
    assert pmml is not None
    test = ["0,0,2", "1,0,3", "9,9,9"]  # the model predicts 1, 3 and -8: errors 1, 0, 17
    result = update.evaluate(spark, pmml, "file:/unused", frame(spark, [*test, "bad"]), frame(spark, train))
    assert result.test_rows == 3
    assert result.metrics["rmse"] == pytest.approx(math.sqrt((1 + 0 + 17**2) / 3))
    assert result.metrics["mae"] == pytest.approx(18 / 3)
    assert result.baselines["mean"]["rmse"] == pytest.approx(math.sqrt((3**2 + 4**2 + 10**2) / 3))
    assert (result.score, result.baseline_score) == (-result.metrics["rmse"], -result.baselines["mean"]["rmse"])
    assert result.baseline == "mean"


def test_evaluation_without_test_lines_has_no_score(spark: SparkSession) -> None:
    update = app()
    pmml = update.build_model(spark, frame(spark, GOOD), {"lambda": 0.0}, "file:/unused")
    assert pmml is not None
    result = update.evaluate(spark, pmml, "file:/unused", frame(spark, []), frame(spark, GOOD))
    assert math.isnan(result.score) and result.test_rows == 0


def test_rows_parsed_once_by_parse_input_build_and_score_the_same_model(spark: SparkSession) -> None:
    update = app()
    parsed = update.parse_input(spark, frame(spark, GOOD + BAD))
    assert parsed.where("error IS NOT NULL").count() == len(BAD)
    pmml = update.build_model(spark, parsed, {"lambda": 0.0}, "file:/unused")
    assert pmml is not None
    model = read_linear_pmml(pmml, update.schema)
    assert model.coefficients == pytest.approx([2.0, -3.0], abs=1e-9)
    from_lines = update.evaluate(spark, pmml, "file:/unused", frame(spark, GOOD + BAD), frame(spark, GOOD))
    from_rows = update.evaluate(spark, pmml, "file:/unused", parsed, parsed)
    assert from_rows == from_lines
    assert from_rows.test_rows == len(GOOD)
