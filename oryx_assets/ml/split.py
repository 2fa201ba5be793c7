"""``train_test_split``: which lines train this generation's candidate models and which lines test them.

Oryx 2's rules (``MLUpdate``), applied in this order to ``oryx.ml.eval.test-fraction``:

1. test-fraction <= 0: train on new plus past data, no test (evaluation is off);
2. test-fraction >= 1: train on past data only, test on all new data;
3. no new data: train on past data only;
4. otherwise the app splits the new data (random by default, time-based for ALS); past data always trains.

One rule of our own follows rule 4: when the new data's test split has fewer than ``oryx.ml.eval.min-test-rows``
lines and there is retained history, the app's split rule is applied to history plus new data instead, so a
small generation is still scored on enough lines to tell candidates apart (those lines then do not train the
candidates). Oryx 2 scored on whatever the new window gave, down to no line at all, and published the
unevaluated model. The refit of the winner (``tuned_model``) trains on every line either way: see
:meth:`TrainTestSplit.all_data`.

Held-out lines are written as Parquet to ``<data-dir>/.splits/<ts>/{train,test}/`` so that every candidate,
and a re-run of ``tuned_model`` alone, sees the very same split; the split is seeded by the generation for
the same reason. ``tuned_model`` deletes the folder once it is done with it; folders that failed runs left
behind are swept by the next generation's split. Past windows are not copied: the split only names them.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

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
MIN_TEST_ROWS_KEY = "oryx.ml.eval.min-test-rows"
PASS_THROUGH = "the app is a plain BatchLayerUpdate: its run_update builds and publishes in published_model"


class SplitRule(StrEnum):
    """The rule that decided this generation's split, shown in the UI."""

    NO_TEST = "test-fraction 0: train on new and past data, no test"
    TEST_ALL_NEW = "test-fraction 1: train on past data only, test on all new data"
    NO_NEW_DATA = "no new data: train on past data only"
    SPLIT_NEW = "new data split by the app; past data trains"
    SPLIT_HISTORY = "new data's test split under min-test-rows: history and new data split by the app"


TEST_SOURCES = {
    SplitRule.NO_TEST: "none (test-fraction 0: evaluation off)",
    SplitRule.TEST_ALL_NEW: "all new data (test-fraction 1)",
    SplitRule.NO_NEW_DATA: "none (no new data)",
    SplitRule.SPLIT_NEW: "new data, the app's split",
    SplitRule.SPLIT_HISTORY: "retained history and new data, the app's split",
}


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

    Training data is ``new_train`` (None: no new line trains) plus the ``past`` windows when ``past_trains``
    (under ``SPLIT_HISTORY`` the past lines that train are in ``new_train`` already); ``test`` is None when
    nothing is tested. ``window`` is this generation's new input, so that new plus past is every line.
    """

    rule: SplitRule
    new_train: str | None
    test: str | None
    past: tuple[str, ...]
    new_rows: int
    test_rows: int
    test_fraction: float
    seed: int
    window: str | None = None
    past_trains: bool = True

    @property
    def test_source(self) -> str:
        """Which data the test set came from, in words for the UI."""
        return TEST_SOURCES[self.rule]

    @property
    def evaluates(self) -> bool:
        """Whether this generation's model is meant to be scored (false only when test-fraction is 0)."""
        return self.rule is not SplitRule.NO_TEST

    def train_data(self, spark: SparkSession, data_dir: str, timestamp_ms: int) -> DataFrame | None:
        """The training lines: the new lines that train, plus past lines; None when there are none."""
        parts = [read_window(spark, self.new_train)] if self.new_train else []
        if self.past_trains:
            parts.append(read_past_data(spark, data_dir, list(self.past), timestamp_ms))
        return _union(parts)

    def all_data(self, spark: SparkSession, data_dir: str, timestamp_ms: int) -> DataFrame | None:
        """Every retained line, new and past, trained or tested: what the winner is refitted on."""
        parts = [read_window(spark, self.window)] if self.window else []
        parts.append(read_past_data(spark, data_dir, list(self.past), timestamp_ms))
        return _union(parts)

    def test_data(self, spark: SparkSession) -> DataFrame | None:
        return read_window(spark, self.test) if self.test else None


def _union(parts: list[DataFrame | None]) -> DataFrame | None:
    frames = [part for part in parts if part is not None]
    if not frames:
        return None
    union = frames[0]
    for frame in frames[1:]:
        union = union.unionByName(frame)
    return union


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
    spark: SparkSession,
    app: MLApp,
    window: str | None,
    past: list[str],
    data_dir: str,
    timestamp_ms: int,
    f: float,
    min_test_rows: int = 0,
) -> TrainTestSplit:
    """Applies the rules (module docstring) to this generation's window and past windows.

    ``min_test_rows`` 0 never draws the test set from history (Oryx 2's behaviour).
    """
    new = read_window(spark, window) if window else None
    new_rows = new.count() if new is not None else 0
    rule, seed = split_rule(f, new_rows > 0), split_seed(timestamp_ms)
    new_train = test = None
    past_trains = True
    if rule is SplitRule.NO_TEST:
        new_train = window if new_rows else None
    elif rule is SplitRule.TEST_ALL_NEW:
        test = window if new_rows else None
    elif rule is SplitRule.SPLIT_NEW:
        assert new is not None
        target = split_uri(data_dir, timestamp_ms)
        new_train, test = _write_split(app, new, f, seed, target)
        history = read_past_data(spark, data_dir, past, timestamp_ms)
        if history is not None and read_window(spark, test).count() < min_test_rows:
            new_train, test = _write_split(app, new.unionByName(history), f, seed, target)
            rule, past_trains = SplitRule.SPLIT_HISTORY, False
    test_rows = read_window(spark, test).count() if test else 0
    return TrainTestSplit(rule, new_train, test, tuple(past), new_rows, test_rows, f, seed, window, past_trains)


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
    min_test_rows = config.get_int(MIN_TEST_ROWS_KEY)
    split = make_split(session, app, input_window, historical_data, data_dir, timestamp, fraction, min_test_rows)
    metadata: dict[str, Any] = {
        "ml_app": True,
        "rule": split.rule.value,
        "test_fraction": fraction,
        "seed": split.seed,
        "new_rows": split.new_rows,
        "test_rows": split.test_rows,
        "test_source": split.test_source,
        "min_test_rows": min_test_rows,
    }
    if split.rule is SplitRule.SPLIT_HISTORY:
        assert split.new_train is not None
        metadata["train_rows"] = read_window(session, split.new_train).count()  # history and new lines that train
        context.log.info(
            f"{split.test_rows} test lines drawn from history and new data (min-test-rows {min_test_rows})"
        )
    else:
        metadata["new_train_rows"] = split.new_rows - split.test_rows if split.new_train else 0
    return Output(
        split,
        metadata={
            **metadata,
            "past_windows": len(split.past),
            "split_path": MetadataValue.path(split_uri(data_dir, timestamp)) if split.test else "(nothing written)",
            "swept_stale_splits": MetadataValue.json(swept),
        },
    )
