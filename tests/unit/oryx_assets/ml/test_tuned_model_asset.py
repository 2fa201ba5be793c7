"""``tuned_model`` invoked directly over a prepared split: which model is kept, how it is refitted, what it says.

The split: a window of 12 lines l0..l11 of which l0..l7 train and l8..l11 test. The fake app's model records
its ``x`` and how many lines it was trained on; x = 3 scores best.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest
from dagster import build_asset_context
from dagster_pyspark import LazyPySparkResource
from pyspark.sql import DataFrame, SparkSession

from oryx_assets.app_resource import BatchAppResource
from oryx_assets.ml.best_model import TunedModel, tuned_model
from oryx_assets.ml.split import SplitRule, TrainTestSplit
from oryx_assets.resources import OryxConfigResource
from oryx_core.ml.pmml import get_extension, read_pmml

NOW = 5


class SessionResource(LazyPySparkResource):
    """The unit tests' session, whatever the configuration says."""

    @property
    def spark_session(self) -> SparkSession:  # type: ignore[override]
        active = SparkSession.getActiveSession()
        assert active is not None
        return active


def run_tuned_model(tmp_path: Path, split: TrainTestSplit, *overrides: str) -> tuple[TunedModel | None, dict]:
    oryx = OryxConfigResource(
        overrides=[
            "oryx.batch.update-class=fake_app.FakeApp",
            f"oryx.batch.storage.data-dir=file:{tmp_path}/data",
            f"oryx.batch.storage.model-dir=file:{tmp_path}/model",
            "oryx.ml.eval.candidates=5",
            "oryx.ml.eval.hyperparam-search=grid",
            "oryx.ml.eval.parallelism=2",
            *overrides,
        ]
    )
    with build_asset_context(partition_key=str(NOW)) as context:
        output = tuned_model(
            context, split, None, batch=BatchAppResource(oryx=oryx), spark=SessionResource(spark_config={})
        )
    return output.value, {k: getattr(v, "value", v) for k, v in output.metadata.items()}


@pytest.fixture
def split(spark: SparkSession) -> TrainTestSplit:
    return split_of(spark)


def split_of(spark: SparkSession) -> TrainTestSplit:
    """The window's lines l0..l7 train and l8..l11 test."""
    lines = [(None, f"l{i}") for i in range(12)]
    train = spark.createDataFrame(lines[:8], "key string, value string")
    test = spark.createDataFrame(lines[8:], "key string, value string")
    return TrainTestSplit(SplitRule.SPLIT_NEW, train, test, 12, 4, 0.3, 7)


def window(spark: SparkSession) -> DataFrame:
    return spark.createDataFrame([(None, f"l{i}") for i in range(12)], "key string, value string")


def model_extensions(tmp_path: Path) -> tuple[str | None, str | None]:
    pmml = read_pmml((tmp_path / "model" / str(NOW) / "model.pmml").read_text())
    return get_extension(pmml, "x"), get_extension(pmml, "rows")


def test_the_winner_is_refitted_on_train_and_test_and_published_with_its_validation_score(
    spark: SparkSession, tmp_path: Path, split: TrainTestSplit
) -> None:
    chosen, metadata = run_tuned_model(tmp_path, split)

    assert chosen is not None and chosen.path == f"file:{tmp_path}/model/{NOW}"
    assert (chosen.score, chosen.refit_rows, chosen.note) == (0.0, 12, None)
    assert model_extensions(tmp_path) == ("3", "12")  # all 12 lines, not the 8 the candidates saw
    assert (metadata["train_rows"], metadata["refit"], metadata["refit_rows"]) == (8, True, 12)
    assert metadata["score"] == 0.0 and metadata["hyperparams"] == {"x": 3}
    assert (metadata["test_rows"], metadata["test_source"]) == (4, "new data, the app's split")
    assert metadata["candidates"].count("| yes |") == 1
    assert not any((tmp_path / "model" / ".temporary").iterdir())


def test_without_refit_the_candidate_fitted_on_the_split_is_published(
    spark: SparkSession, tmp_path: Path, split: TrainTestSplit
) -> None:
    chosen, metadata = run_tuned_model(tmp_path, split, "oryx.ml.eval.refit=false")

    assert chosen is not None and chosen.refit_rows is None
    assert model_extensions(tmp_path) == ("3", "8")
    assert metadata["refit"] is False and "refit_rows" not in metadata


def test_combinations_are_built_once_and_the_metadata_says_how_many(
    spark: SparkSession, tmp_path: Path, split: TrainTestSplit
) -> None:
    chosen, metadata = run_tuned_model(tmp_path, split, "oryx.ml.eval.candidates=8")

    # x in [1, 5] has five values: five candidates, not eight with three built twice.
    assert (metadata["candidates_requested"], metadata["candidates_built"]) == (8, 5)
    assert chosen is not None and (chosen.requested, chosen.candidates, chosen.built) == (8, 5, 5)


def test_a_best_score_below_the_threshold_keeps_nothing(
    spark: SparkSession, tmp_path: Path, split: TrainTestSplit
) -> None:
    chosen, metadata = run_tuned_model(tmp_path, split, "oryx.ml.eval.threshold=0.5")

    assert chosen is not None and (chosen.path, chosen.score, chosen.threshold) == (None, 0.0, 0.5)
    assert metadata["kept"] is False
    assert metadata["note"] == "best model's score 0.0 did not exceed threshold 0.5"
    assert not (tmp_path / "model" / str(NOW)).exists()


def test_nan_scores_never_win_so_nothing_is_kept(spark: SparkSession, tmp_path: Path, split: TrainTestSplit) -> None:
    chosen, metadata = run_tuned_model(tmp_path, split, "oryx.batch.update-class=fake_app.NaNScoringApp")

    assert chosen is not None and chosen.path is None and chosen.built == 5
    assert metadata["note"] == "no candidate has a valid score"
    assert "score" not in metadata
    assert not (tmp_path / "model" / str(NOW)).exists()


def test_no_test_line_builds_nothing_and_says_the_previous_model_stays(
    spark: SparkSession, tmp_path: Path, split: TrainTestSplit
) -> None:
    chosen, metadata = run_tuned_model(tmp_path, replace(split, test=None, test_rows=0))

    assert chosen is not None and (chosen.path, chosen.candidates, chosen.evaluates) == (None, 0, True)
    assert (
        metadata["note"]
        == "no test line (new data, the app's split): no model this generation, the previous model stays"
    )
    assert not (tmp_path / "model").exists()


def test_test_fraction_zero_publishes_one_unevaluated_candidate(
    spark: SparkSession, tmp_path: Path, split: TrainTestSplit
) -> None:
    no_test = TrainTestSplit(SplitRule.NO_TEST, window(spark), None, 12, 0, 0.0, 7)

    chosen, metadata = run_tuned_model(tmp_path, no_test)

    assert chosen is not None and chosen.path is not None and not chosen.evaluates
    assert math.isnan(chosen.score) and chosen.refit_rows is None  # it already trained on every line
    assert model_extensions(tmp_path) == ("3", "12")  # one candidate: the grid's midpoint
    assert metadata["candidates_built"] == 1 and "score" not in metadata


def test_the_winners_metrics_and_baselines_are_numeric_metadata(
    spark: SparkSession, tmp_path: Path, split: TrainTestSplit
) -> None:
    chosen, metadata = run_tuned_model(tmp_path, split, "oryx.batch.update-class=fake_app.BaselineApp")

    assert chosen is not None and chosen.evaluation is not None and chosen.evaluation.beats_baseline() is True
    figures = {k: metadata[k] for k in ("score", "metric_mae", "metric_rows", "baseline_mean_mae", "baseline_score")}
    assert figures == {
        "score": 0.0,
        "metric_mae": 0.0,
        "metric_rows": 8.0,
        "baseline_mean_mae": 0.5,
        "baseline_score": -0.5,
    }
    assert (metadata["baseline"], metadata["scored_test_rows"]) == ("mean", 4)
    assert metadata["candidates"].splitlines()[0] == "| # | x | score | mae | rows | seconds | chosen |"
    assert metadata["baselines"].splitlines()[2:] == ["| model | 0 |", "| mean | 0.5 |"]


def test_a_model_not_beating_its_baseline_is_published_unless_the_check_blocks(
    spark: SparkSession, tmp_path: Path, split: TrainTestSplit
) -> None:
    losing = "oryx.batch.update-class=fake_app.LosesToBaselineApp"

    warned, _ = run_tuned_model(tmp_path, split, losing)
    other = tmp_path / "blocking"
    blocked, metadata = run_tuned_model(other, split_of(spark), losing, "oryx.ml.eval.baseline-check=block")

    assert warned is not None and warned.path is not None
    assert blocked is not None and blocked.path is None
    assert metadata["note"] == "best model's score -0.0 does not beat baseline -0.0 (block)"
    assert not (other / "model" / str(NOW)).exists()


def test_scale_parameters_are_searched_on_a_log_scale(
    spark: SparkSession, tmp_path: Path, split: TrainTestSplit
) -> None:
    chosen, metadata = run_tuned_model(tmp_path, split, "oryx.batch.update-class=fake_app.ScaleApp")

    assert metadata["log_scale"] == ["lambda"]  # alpha's range [0, 1] reaches 0: it stays linear
    assert chosen is not None and chosen.path is not None


def test_no_training_data_builds_nothing(spark: SparkSession, tmp_path: Path, split: TrainTestSplit) -> None:
    all_test = TrainTestSplit(SplitRule.TEST_ALL_NEW, None, window(spark), 12, 12, 1.0, 7)

    chosen, metadata = run_tuned_model(tmp_path, all_test)

    assert chosen is not None and chosen.path is None
    assert "no training data" in metadata["note"]


def test_a_plain_batch_layer_update_passes_through(spark: SparkSession, tmp_path: Path, split: TrainTestSplit) -> None:
    chosen, metadata = run_tuned_model(
        tmp_path, split, "oryx.batch.update-class=com.cloudera.oryx.example.batch.ExampleBatchLayerUpdate"
    )

    assert chosen is None
    assert metadata["ml_app"] is False


def test_a_scale_range_reaching_zero_is_searched_linearly_with_a_warning_naming_its_key(
    spark: SparkSession, tmp_path: Path, split: TrainTestSplit, capfd: pytest.CaptureFixture[str]
) -> None:
    # ScaleApp's alpha is [0, 1]; the same range in ALS's block is the key a user would have written.
    app = "oryx.batch.update-class=fake_app.ScaleApp"
    run_tuned_model(tmp_path, split, app, "oryx.als.hyperparams.alpha=[0.0, 1.0]")

    [warning] = [line for line in capfd.readouterr().err.splitlines() if "log scale" in line]
    assert warning.endswith(
        "WARNING - system - oryx.als.hyperparams.alpha: the range [0.0, 1.0] reaches 0 or below, so it is searched "
        "linearly, not on a log scale (oryx.ml.eval.log-scale-hyperparams); give it a minimum > 0 to search it by "
        "order of magnitude"
    )
