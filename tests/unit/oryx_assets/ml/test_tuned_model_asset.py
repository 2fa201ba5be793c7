"""``tuned_model`` invoked directly over a prepared split: best candidate kept, the rest and scratch deleted."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from dagster import build_asset_context
from dagster_pyspark import LazyPySparkResource
from pyspark.sql import SparkSession

from oryx_assets.lambda_.publication import ChosenModel
from oryx_assets.ml.best_model import tuned_model
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


def run_tuned_model(tmp_path: Path, split: TrainTestSplit, *overrides: str) -> tuple[ChosenModel | None, dict]:
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
        output = tuned_model(context, split, oryx=oryx, spark=SessionResource(spark_config={}))
    return output.value, {k: getattr(v, "value", v) for k, v in output.metadata.items()}


@pytest.fixture
def split(spark: SparkSession, tmp_path: Path) -> TrainTestSplit:
    lines = spark.createDataFrame([(None, f"l{i}") for i in range(12)], "key string, value string")
    lines.write.parquet(f"file:{tmp_path}/data/generation={NOW}")
    window = f"file:{tmp_path}/data/generation={NOW}"
    # test-fraction 1 on a first generation: every new line tests, nothing trains.
    return TrainTestSplit(SplitRule.TEST_ALL_NEW, None, window, (), 12, 12, 1.0, 7)


def test_the_best_candidate_becomes_the_generations_model(
    spark: SparkSession, tmp_path: Path, split: TrainTestSplit
) -> None:
    train = replace(split, new_train=split.test)  # the 12 lines both train and test

    chosen, metadata = run_tuned_model(tmp_path, train)

    assert chosen == ChosenModel(f"file:{tmp_path}/model/{NOW}", 0.0, None, 5, 5)
    pmml = read_pmml((tmp_path / "model" / str(NOW) / "model.pmml").read_text())
    assert (get_extension(pmml, "x"), get_extension(pmml, "rows")) == ("3", "12")
    assert metadata["score"] == 0.0 and metadata["hyperparams"] == {"x": 3}
    assert metadata["candidates"].count("| yes |") == 1
    assert not any((tmp_path / "model" / ".temporary").iterdir())


def test_a_best_score_below_the_threshold_keeps_nothing(
    spark: SparkSession, tmp_path: Path, split: TrainTestSplit
) -> None:
    train = replace(split, new_train=split.test)  # the 12 lines both train and test

    chosen, metadata = run_tuned_model(tmp_path, train, "oryx.ml.eval.threshold=0.5")

    assert chosen == ChosenModel(None, 0.0, 0.5, 5, 5)
    assert metadata["kept"] is False
    assert not (tmp_path / "model" / str(NOW)).exists()


def test_no_training_data_builds_nothing(spark: SparkSession, tmp_path: Path, split: TrainTestSplit) -> None:
    chosen, metadata = run_tuned_model(tmp_path, split)

    assert chosen == ChosenModel(None)
    assert "no training data" in metadata["note"]


def test_a_plain_batch_layer_update_passes_through(spark: SparkSession, tmp_path: Path, split: TrainTestSplit) -> None:
    chosen, metadata = run_tuned_model(
        tmp_path, split, "oryx.batch.update-class=com.cloudera.oryx.example.batch.ExampleBatchLayerUpdate"
    )

    assert chosen is None
    assert metadata["ml_app"] is False
