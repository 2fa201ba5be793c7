"""Oryx 2's test-fraction rules, and the app's own split of the generation's new (and, if need be, past) rows."""

from __future__ import annotations

import pytest
from fake_app import FakeApp, HoldOutTLinesApp
from pyspark.sql import DataFrame, SparkSession

from oryx_assets.ml.split import SplitRule, TrainTestSplit, make_split, split_rule

SEED = 5


@pytest.mark.parametrize(
    ("fraction", "has_new", "rule"),
    [
        (0.0, True, SplitRule.NO_TEST),
        (0.0, False, SplitRule.NO_TEST),
        (1.0, True, SplitRule.TEST_ALL_NEW),
        (1.0, False, SplitRule.TEST_ALL_NEW),
        (0.3, False, SplitRule.NO_NEW_DATA),
        (0.3, True, SplitRule.SPLIT_NEW),
    ],
)
def test_rules_apply_in_oryx_order(fraction: float, has_new: bool, rule: SplitRule) -> None:
    assert split_rule(fraction, has_new) is rule


def lines(spark: SparkSession, values: list[str]) -> DataFrame:
    return spark.createDataFrame([(None, v) for v in values], "key string, value string")


@pytest.fixture
def new(spark: SparkSession) -> DataFrame:
    """This generation's 200 new lines; every fourth starts with "t"."""
    return lines(spark, [f"{'t' if i % 4 == 0 else 'n'} {i}" for i in range(200)])


@pytest.fixture
def past(spark: SparkSession) -> DataFrame:
    """10 past lines, and 10 more that HoldOutTLinesApp would hold out: "t past <i>"."""
    return lines(spark, [f"past {i}" for i in range(10)] + [f"t past {i}" for i in range(10)])


def values(frame: DataFrame | None) -> list[str]:
    return sorted(row["value"] for row in frame.collect()) if frame is not None else []


def split_of(
    app: FakeApp, new: DataFrame | None, past: DataFrame | None, f: float, min_rows: int = 0
) -> TrainTestSplit:
    return make_split(app, new, past, new.count() if new is not None else 0, SEED, f, min_rows)


def test_fraction_zero_trains_on_everything_and_tests_nothing(new: DataFrame, past: DataFrame) -> None:
    split = split_of(FakeApp(), new, past, 0)

    assert split.test is None
    assert len(values(split.train_data(past))) == 220


def test_fraction_one_trains_on_past_and_tests_all_new(new: DataFrame, past: DataFrame) -> None:
    split = split_of(FakeApp(), new, past, 1)

    assert values(split.train_data(past)) == values(past)
    assert (split.new_rows, split.test_rows) == (200, 200)


def test_no_new_data_trains_on_past_only(past: DataFrame) -> None:
    split = split_of(FakeApp(), None, past, 0.3)

    assert split.rule is SplitRule.NO_NEW_DATA
    assert len(values(split.train_data(past))) == 20
    assert split.test is None


def test_random_split_holds_out_about_the_fraction_and_is_repeatable(new: DataFrame, past: DataFrame) -> None:
    first = split_of(FakeApp(), new, past, 0.25)
    held_out = values(first.test)
    again = split_of(FakeApp(), new, past, 0.25)

    assert 20 <= len(held_out) <= 80
    assert len(values(first.train_data(past))) == 20 + 200 - len(held_out)
    assert values(again.test) == held_out


def test_the_apps_own_split_is_used(new: DataFrame) -> None:
    split = split_of(HoldOutTLinesApp(), new, None, 0.5)

    assert values(split.test) == sorted(f"t {i}" for i in range(0, 200, 4))
    assert split.test_rows == 50


def test_a_small_test_split_is_drawn_again_from_history_and_new_data(new: DataFrame, past: DataFrame) -> None:
    split = split_of(HoldOutTLinesApp(), new, past, 0.5, 100)

    # The app's rule over history + new data: the 50 new "t" lines and the 10 past ones; they no longer train.
    assert split.rule is SplitRule.SPLIT_HISTORY
    assert values(split.test) == sorted([f"t {i}" for i in range(0, 200, 4)] + [f"t past {i}" for i in range(10)])
    assert split.test_rows == 60
    train = values(split.train_data(past))
    assert train == sorted([f"n {i}" for i in range(200) if i % 4] + [f"past {i}" for i in range(10)])
    assert split.test_source == "retained history and new data, the app's split"


def test_train_and_test_are_every_new_and_past_line_whichever_split(new: DataFrame, past: DataFrame) -> None:
    for min_rows in (0, 100):
        split = split_of(HoldOutTLinesApp(), new, past, 0.5, min_rows)

        assert len(values(split.train_data(past))) + split.test_rows == 220


def test_a_test_split_of_min_test_rows_stays_on_new_data(new: DataFrame, past: DataFrame) -> None:
    split = split_of(HoldOutTLinesApp(), new, past, 0.5, 50)

    assert split.rule is SplitRule.SPLIT_NEW and split.test_rows == 50
    assert split.test_source == "new data, the app's split"
    assert len(values(split.train_data(past))) == 150 + 20


def test_without_history_a_small_test_split_is_what_there_is(new: DataFrame) -> None:
    split = split_of(HoldOutTLinesApp(), new, None, 0.5, 100)

    assert split.rule is SplitRule.SPLIT_NEW and split.test_rows == 50


def test_evaluation_is_expected_unless_test_fraction_is_zero(new: DataFrame, past: DataFrame) -> None:
    off = split_of(FakeApp(), new, past, 0, 100)
    on = split_of(FakeApp(), new, past, 1, 100)

    assert (off.evaluates, off.test_source) == (False, "none (test-fraction 0: evaluation off)")
    assert (on.evaluates, on.test_source, on.test_rows) == (True, "all new data (test-fraction 1)", 200)


def test_the_split_restores_from_its_stored_fields(new: DataFrame, past: DataFrame) -> None:
    split = split_of(HoldOutTLinesApp(), new, past, 0.5, 100)

    restored = TrainTestSplit.restore(split.fields_json(), split.frames())

    assert restored == split
