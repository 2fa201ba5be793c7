"""``train_test_split``: which lines train this generation's candidate models and which lines test them.

Oryx 2's rules (``MLUpdate``), applied in this order to ``oryx.ml.eval.test-fraction``:

1. test-fraction <= 0: train on new plus past data, no test (evaluation is off);
2. test-fraction >= 1: train on past data only, test on all new data;
3. no new data: train on past data only;
4. otherwise the app splits the new data (random by default, time-based for ALS); past data always trains.

Held-out lines are written as Parquet to ``<data-dir>/.splits/<ts>/{train,test}/`` so that every candidate,
and a re-run of ``tuned_model`` alone, sees the very same split; the split is seeded by the generation for
the same reason. ``tuned_model`` deletes the folder once it is done with it; folders that failed runs left
behind are swept by the next generation's split. Past windows are not copied: the split only names them.
"""

from dataclasses import dataclass
from enum import StrEnum

from dagster import AssetExecutionContext, MetadataValue, Output, asset
from dagster_pyspark import LazyPySparkResource
from pyspark.sql import DataFrame, SparkSession

from oryx_assets.lambda_.history import read_past_data
from oryx_assets.lambda_.input_window import read_window
from oryx_assets.lambda_.storage import HadoopStorage, child_uri
from oryx_assets.lambda_.update_class import load_ml_app
from oryx_assets.partitions import generation_timestamp, generations
from oryx_assets.resources import OryxConfigResource
from oryx_core.api.batch import MLApp, random_split

SPLITS_DIR = ".splits"
TEST_FRACTION_KEY = "oryx.ml.eval.test-fraction"
PASS_THROUGH = "the app is a plain BatchLayerUpdate: its run_update builds and publishes in published_model"


class SplitRule(StrEnum):
    """The rule that decided this generation's split, shown in the UI."""

    NO_TEST = "test-fraction 0: train on new and past data, no test"
    TEST_ALL_NEW = "test-fraction 1: train on past data only, test on all new data"
    NO_NEW_DATA = "no new data: train on past data only"
    SPLIT_NEW = "new data split by the app; past data trains"


def split_rule(test_fraction: float, has_new_data: bool) -> SplitRule:
    if test_fraction <= 0.0:
        return SplitRule.NO_TEST
    if test_fraction >= 1.0:
        return SplitRule.TEST_ALL_NEW
    if not has_new_data:
        return SplitRule.NO_NEW_DATA
    return SplitRule.SPLIT_NEW


def split_seed(timestamp_ms: int) -> int:
    """A seed fixed by the generation, so re-running it makes the same split and the same candidates."""
    return timestamp_ms % (2**31 - 1)


@dataclass(frozen=True)
class TrainTestSplit:
    """Where this generation's training and test lines are (Parquet folders of ``key, value`` lines).

    Training data is ``new_train`` (None: no new line trains) plus the ``past`` windows; ``test`` is None
    when nothing is tested.
    """

    rule: SplitRule
    new_train: str | None
    test: str | None
    past: tuple[str, ...]
    new_rows: int
    test_rows: int
    test_fraction: float
    seed: int

    def train_data(self, spark: SparkSession, data_dir: str, timestamp_ms: int) -> DataFrame | None:
        """The training lines: the new lines that train, plus all past lines; None when there are none."""
        parts = [read_window(spark, self.new_train)] if self.new_train else []
        past = read_past_data(spark, data_dir, list(self.past), timestamp_ms)
        if past is not None:
            parts.append(past)
        if not parts:
            return None
        train = parts[0]
        for part in parts[1:]:
            train = train.unionByName(part)
        return train

    def test_data(self, spark: SparkSession) -> DataFrame | None:
        return read_window(spark, self.test) if self.test else None


def split_uri(data_dir: str, timestamp_ms: int) -> str:
    return child_uri(child_uri(data_dir, SPLITS_DIR), str(timestamp_ms))


def delete_split(spark: SparkSession, data_dir: str, timestamp_ms: int) -> None:
    """Removes the generation's held-out copies once its candidates are built."""
    HadoopStorage(spark, child_uri(data_dir, SPLITS_DIR)).delete(str(timestamp_ms))


def _sweep_older_splits(spark: SparkSession, data_dir: str, timestamp_ms: int) -> list[str]:
    storage = HadoopStorage(spark, child_uri(data_dir, SPLITS_DIR))
    stale = [name for name in storage.child_dirs() if name.isdigit() and int(name) < timestamp_ms]
    for name in stale:
        storage.delete(name)
    return stale


def _write_split(app: MLApp, new: DataFrame, fraction: float, seed: int, target: str) -> tuple[str, str]:
    """Writes the app's split of the new lines; returns the train and test folders."""
    split_new_data = getattr(app, "split_new_data", None) or random_split
    train, test = split_new_data(new, fraction, seed)
    train_path, test_path = child_uri(target, "train"), child_uri(target, "test")
    train.select("key", "value").write.mode("overwrite").parquet(train_path)
    test.select("key", "value").write.mode("overwrite").parquet(test_path)
    return train_path, test_path


def make_split(
    spark: SparkSession, app: MLApp, window: str | None, past: list[str], data_dir: str, timestamp_ms: int, f: float
) -> TrainTestSplit:
    """Applies Oryx 2's rules (module docstring) to this generation's window and past windows."""
    new = read_window(spark, window) if window else None
    new_rows = new.count() if new is not None else 0
    rule, seed = split_rule(f, new_rows > 0), split_seed(timestamp_ms)
    new_train = test = None
    if rule is SplitRule.NO_TEST:
        new_train = window if new_rows else None
    elif rule is SplitRule.TEST_ALL_NEW:
        test = window if new_rows else None
    elif rule is SplitRule.SPLIT_NEW:
        assert new is not None
        new_train, test = _write_split(app, new, f, seed, split_uri(data_dir, timestamp_ms))
    test_rows = read_window(spark, test).count() if test else 0
    return TrainTestSplit(rule, new_train, test, tuple(past), new_rows, test_rows, f, seed)


@asset(partitions_def=generations, kinds={"spark", "parquet"}, group_name="ml")
def train_test_split(
    context: AssetExecutionContext,
    input_window: str | None,
    historical_data: list[str],
    oryx: OryxConfigResource,
    spark: LazyPySparkResource,
) -> Output[TrainTestSplit | None]:
    """The lines that train and test this generation's candidates; None for a plain BatchLayerUpdate app."""
    config = oryx.load()
    app = load_ml_app(config)
    if app is None:
        return Output(None, metadata={"ml_app": False, "note": PASS_THROUGH})
    timestamp = generation_timestamp(context.partition_key)
    data_dir = config.get_string("oryx.batch.storage.data-dir")
    session = spark.spark_session
    swept = _sweep_older_splits(session, data_dir, timestamp)
    fraction = config.get_float(TEST_FRACTION_KEY)
    split = make_split(session, app, input_window, historical_data, data_dir, timestamp, fraction)
    new_train_rows = split.new_rows - split.test_rows if split.new_train else 0
    return Output(
        split,
        metadata={
            "ml_app": True,
            "rule": split.rule.value,
            "test_fraction": fraction,
            "seed": split.seed,
            "new_rows": split.new_rows,
            "new_train_rows": new_train_rows,
            "test_rows": split.test_rows,
            "past_windows": len(split.past),
            "split_path": MetadataValue.path(split_uri(data_dir, timestamp)) if split.test else "(nothing written)",
            "swept_stale_splits": MetadataValue.json(swept),
        },
    )
