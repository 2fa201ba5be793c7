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

The split is stored by the IO manager as Parquet in the generation's folder (``_train_test_split/``), so every
candidate, and a re-run of ``tuned_model`` alone, sees the very same lines; the split is seeded by the generation
for the same reason. Past windows are not copied: ``tuned_model`` reads them as ``historical_data``. When the
app parses its input up front (``parse_input``), the split holds parsed rows, parsed once per generation.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from dagster import AssetExecutionContext, Output, asset
from pyspark.sql import DataFrame

from oryx_assets.app_resource import BatchAppResource
from oryx_assets.partitions import generation_timestamp, generations
from oryx_core.api.batch import MLApp, random_split

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
    """This generation's training and test rows (``key, value`` lines, or the app's parsed rows).

    Training data is ``new_train`` (None: no new line trains) plus the past data when ``past_trains`` (under
    ``SPLIT_HISTORY`` the past lines that train are in ``new_train`` already); ``test`` is None when nothing is
    tested. Train and test together are every line, new and past: what the winner is refitted on.
    """

    FRAME_NAMES: ClassVar[tuple[str, ...]] = ("new_train", "test")

    rule: SplitRule
    new_train: DataFrame | None
    test: DataFrame | None
    new_rows: int
    test_rows: int
    test_fraction: float
    seed: int
    past_trains: bool = True

    @property
    def test_source(self) -> str:
        """Which data the test set came from, in words for the UI."""
        return TEST_SOURCES[self.rule]

    @property
    def evaluates(self) -> bool:
        """Whether this generation's model is meant to be scored (false only when test-fraction is 0)."""
        return self.rule is not SplitRule.NO_TEST

    def train_data(self, past: DataFrame | None) -> DataFrame | None:
        """The training rows: the new rows that train, plus ``past`` (the past data, as the split's rows) when
        it trains; None when there are none."""
        frames = [frame for frame in (self.new_train, past if self.past_trains else None) if frame is not None]
        if not frames:
            return None
        return frames[0] if len(frames) == 1 else frames[0].unionByName(frames[1])

    def frames(self) -> Mapping[str, DataFrame | None]:
        return {"new_train": self.new_train, "test": self.test}

    def fields_json(self) -> str:
        fields = {"rule": self.rule.name, "new_rows": self.new_rows, "test_rows": self.test_rows}
        fields.update({"test_fraction": self.test_fraction, "seed": self.seed, "past_trains": self.past_trains})
        return json.dumps(fields)

    @classmethod
    def restore(cls, fields_json: str, frames: Mapping[str, DataFrame | None]) -> "TrainTestSplit":
        fields = json.loads(fields_json)
        rule = SplitRule[fields.pop("rule")]
        return cls(rule=rule, new_train=frames["new_train"], test=frames["test"], **fields)


def _split(app: MLApp, new: DataFrame, fraction: float, seed: int) -> tuple[DataFrame, DataFrame]:
    """The app's split of ``new`` (random by default), keeping ``new``'s columns."""
    split_new_data = getattr(app, "split_new_data", None) or random_split
    train, test = split_new_data(new, fraction, seed)
    return train.select(*new.columns), test.select(*new.columns)


def make_split(
    app: MLApp,
    new: DataFrame | None,
    past: DataFrame | None,
    new_rows: int,
    seed: int,
    f: float,
    min_test_rows: int = 0,
) -> TrainTestSplit:
    """Applies the rules (module docstring) to this generation's ``new_rows`` new rows and its past rows.

    ``min_test_rows`` 0 never draws the test set from history (Oryx 2's behaviour).
    """
    rule = split_rule(f, new_rows > 0)
    new_train = test = None
    past_trains = True
    if rule is SplitRule.NO_TEST:
        new_train = new if new_rows else None
    elif rule is SplitRule.TEST_ALL_NEW:
        test = new if new_rows else None
    elif rule is SplitRule.SPLIT_NEW:
        assert new is not None
        new_train, test = _split(app, new, f, seed)
        test_rows = test.count()
        if past is not None and test_rows < min_test_rows:
            new_train, test = _split(app, new.unionByName(past), f, seed)
            rule, past_trains = SplitRule.SPLIT_HISTORY, False
        else:
            return TrainTestSplit(rule, new_train, test, new_rows, test_rows, f, seed, past_trains)
    test_rows = test.count() if test is not None else 0
    return TrainTestSplit(rule, new_train, test, new_rows, test_rows, f, seed, past_trains)


@asset(partitions_def=generations, kinds={"spark", "parquet"}, group_name="ml", io_manager_key="generation_io_manager")
def train_test_split(
    context: AssetExecutionContext,
    input_window: DataFrame | None,
    historical_data: DataFrame | None,
    batch: BatchAppResource,
) -> Output[TrainTestSplit | None]:
    """The rows that train and test this generation's candidates; None for a plain BatchLayerUpdate app."""
    app = batch.ml_app
    if app is None:
        return Output(None, metadata={"ml_app": False, "note": PASS_THROUGH})
    settings, key = batch.settings, context.partition_key
    new_rows = input_window.count() if input_window is not None else 0
    new = batch.parsed(key, "new", input_window)
    past = batch.parsed(key, "past", historical_data)
    fraction, min_test_rows = settings.test_fraction, settings.min_test_rows
    seed = split_seed(generation_timestamp(key))
    split = make_split(app, new, past, new_rows, seed, fraction, min_test_rows)
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
        metadata["train_rows"] = split.new_train.count()  # history and new lines that train
        context.log.info(
            f"{split.test_rows} test lines drawn from history and new data (min-test-rows {min_test_rows})"
        )
    else:
        metadata["new_train_rows"] = split.new_rows - split.test_rows if split.new_train is not None else 0
    return Output(split, metadata=metadata)
