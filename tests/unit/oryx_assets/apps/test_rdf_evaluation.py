"""RDFUpdate.evaluate on a local Spark session: a known forest's metrics next to its baseline's, exactly."""

from __future__ import annotations

import math

import pytest
from pyspark.sql import DataFrame, SparkSession

from oryx_assets.apps.rdf import RDFUpdate
from oryx_assets.apps.rdf.evaluation import EPSILON
from oryx_core.api.batch import Evaluation
from oryx_core.apps.rdf.encoding import Encodings
from oryx_core.apps.rdf.pmml import forest_to_pmml
from oryx_core.apps.rdf.trees import ClassificationLeaf, Decision, Forest, NumericSplit, RegressionLeaf
from oryx_core.config import load_config


def app(classification: bool) -> RDFUpdate:
    categorical = '["color", "y"]' if classification else '["color"]'
    return RDFUpdate(
        load_config(
            None,
            [
                'oryx.input-schema.feature-names=["x", "color", "y"]',
                f"oryx.input-schema.categorical-features={categorical}",
                "oryx.input-schema.target-feature=y",
            ],
        )
    )


def frame(spark: SparkSession, lines: list[str]) -> DataFrame:
    return spark.createDataFrame([(None, line) for line in lines], "key string, value string")


def evaluate(spark: SparkSession, classification: bool, train: list[str], test: list[str]) -> Evaluation:
    update = app(classification)
    if classification:
        leaves = ClassificationLeaf("r+", (0.0, 10.0)), ClassificationLeaf("r-", (8.0, 2.0))
        encodings = Encodings(update.schema, {"color": ["blue", "red"], "y": ["no", "yes"]})
    else:
        leaves = RegressionLeaf("r+", 10.0, 4), RegressionLeaf("r-", 2.0, 6)  # type: ignore[assignment]
        encodings = Encodings(update.schema, {"color": ["blue", "red"]})
    forest = Forest([Decision("r", NumericSplit(0, 5.0), *leaves, False, 10)], encodings.classes)
    pmml = forest_to_pmml(forest, encodings, {})
    return update.evaluate(spark, pmml, "file:/unused", frame(spark, test), frame(spark, train))


def test_regression_gives_rmse_and_mae_next_to_the_training_mean(spark: SparkSession) -> None:
    # Training targets 1, 3, 8 (mean 4; the bad line is not learnt from). Predictions 10, 2, 2.
    result = evaluate(
        spark, False, ["1,red,1", "2,red,3", "9,blue,8", "x,red,100"], ["7,red,12", "1,blue,0", "3,red,5", "bad"]
    )
    assert result.metrics == {"rmse": pytest.approx(math.sqrt(17 / 3)), "mae": pytest.approx(7 / 3)}
    assert result.baselines == {"mean": {"rmse": pytest.approx(math.sqrt(27)), "mae": pytest.approx(13 / 3)}}
    assert (result.score, result.baseline, result.baseline_score) == (
        pytest.approx(-math.sqrt(17 / 3)),
        "mean",
        pytest.approx(-math.sqrt(27)),
    )
    assert result.test_rows == 3 and result.beats_baseline() is True


def test_classification_gives_accuracy_and_clipped_log_loss_next_to_the_majority_class(spark: SparkSession) -> None:
    # Training classes: yes 3, no 1. The forest gives "no" probability 0 above x = 5 and 0.8 below.
    result = evaluate(spark, True, ["1,red,yes", "2,red,yes", "9,blue,yes", "3,red,no"], ["7,red,no", "1,red,no"])
    assert result.metrics == {
        "accuracy": 0.5,
        "log_loss": pytest.approx((-math.log(EPSILON) - math.log(0.8)) / 2),
    }
    assert result.baselines == {"majority": {"accuracy": 0.0, "log_loss": pytest.approx(-math.log(0.25))}}
    assert (result.score, result.baseline, result.baseline_score, result.test_rows) == (0.5, "majority", 0.0, 2)
    assert -math.log(EPSILON) == pytest.approx(36.04365338911715)


def test_no_scorable_test_line_or_no_usable_training_line_gives_a_nan_score(spark: SparkSession) -> None:
    no_test = evaluate(spark, False, ["1,red,1"], ["bad", "1,red,"])
    no_train = evaluate(spark, False, ["bad"], ["7,red,12"])
    for result in (no_test, no_train):
        assert math.isnan(result.score) and result.test_rows == 0 and result.baseline_score is None
