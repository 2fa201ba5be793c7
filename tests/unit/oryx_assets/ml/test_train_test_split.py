"""Oryx 2's test-fraction rules, and the split written once so every candidate sees the same lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_app import FakeApp, HoldOutTLinesApp
from pyspark.sql import DataFrame, SparkSession

from oryx_assets.ml.split import SplitRule, make_split, split_rule, split_uri

NOW = 5


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


@pytest.fixture
def data_dir(spark: SparkSession, tmp_path: Path) -> str:
    """A past window of 10 lines (generation 1) and this generation's window of 200 lines (generation 5)."""
    uri = f"file:{tmp_path}/data"
    spark.createDataFrame([(None, f"past {i}") for i in range(10)], "key string, value string").write.parquet(
        f"{uri}/generation=1"
    )
    new = [(None, f"{'t' if i % 4 == 0 else 'n'} {i}") for i in range(200)]
    spark.createDataFrame(new, "key string, value string").write.parquet(f"{uri}/generation={NOW}")
    return uri


def values(frame: DataFrame | None) -> list[str]:
    return sorted(row["value"] for row in frame.collect()) if frame is not None else []


def test_fraction_zero_trains_on_everything_and_tests_nothing(spark: SparkSession, data_dir: str) -> None:
    split = make_split(spark, FakeApp(), f"{data_dir}/generation={NOW}", [f"{data_dir}/generation=1"], data_dir, NOW, 0)

    assert split.test is None
    assert len(values(split.train_data(spark, data_dir, NOW))) == 210


def test_fraction_one_trains_on_past_and_tests_all_new(spark: SparkSession, data_dir: str) -> None:
    split = make_split(spark, FakeApp(), f"{data_dir}/generation={NOW}", [f"{data_dir}/generation=1"], data_dir, NOW, 1)

    assert values(split.train_data(spark, data_dir, NOW)) == sorted(f"past {i}" for i in range(10))
    assert (split.new_rows, split.test_rows) == (200, 200)


def test_no_new_data_trains_on_past_only(spark: SparkSession, data_dir: str) -> None:
    split = make_split(spark, FakeApp(), None, [f"{data_dir}/generation=1"], data_dir, NOW, 0.3)

    assert split.rule is SplitRule.NO_NEW_DATA
    assert len(values(split.train_data(spark, data_dir, NOW))) == 10
    assert split.test_data(spark) is None


def test_random_split_holds_out_about_the_fraction_and_is_repeatable(spark: SparkSession, data_dir: str) -> None:
    window, past = f"{data_dir}/generation={NOW}", [f"{data_dir}/generation=1"]

    first = make_split(spark, FakeApp(), window, past, data_dir, NOW, 0.25)
    held_out = values(first.test_data(spark))
    again = make_split(spark, FakeApp(), window, past, data_dir, NOW, 0.25)

    assert 20 <= len(held_out) <= 80
    assert len(values(first.train_data(spark, data_dir, NOW))) == 10 + 200 - len(held_out)
    assert values(again.test_data(spark)) == held_out
    assert first.test == f"{split_uri(data_dir, NOW)}/test"


def test_the_apps_own_split_is_used(spark: SparkSession, data_dir: str) -> None:
    split = make_split(spark, HoldOutTLinesApp(), f"{data_dir}/generation={NOW}", [], data_dir, NOW, 0.5)

    assert values(split.test_data(spark)) == sorted(f"t {i}" for i in range(0, 200, 4))
    assert split.test_rows == 50


@pytest.fixture
def t_history(spark: SparkSession, data_dir: str) -> str:
    """A second past window (generation 2) of 10 lines that HoldOutTLinesApp would hold out: "t past <i>"."""
    past = [(None, f"t past {i}") for i in range(10)]
    spark.createDataFrame(past, "key string, value string").write.parquet(f"{data_dir}/generation=2")
    return f"{data_dir}/generation=2"


def test_a_small_test_split_is_drawn_again_from_history_and_new_data(
    spark: SparkSession, data_dir: str, t_history: str
) -> None:
    past = [f"{data_dir}/generation=1", t_history]

    split = make_split(spark, HoldOutTLinesApp(), f"{data_dir}/generation={NOW}", past, data_dir, NOW, 0.5, 100)

    # The app's rule over history + new data: the 50 new "t" lines and the 10 past ones; they no longer train.
    assert split.rule is SplitRule.SPLIT_HISTORY
    assert values(split.test_data(spark)) == sorted(
        [f"t {i}" for i in range(0, 200, 4)] + [f"t past {i}" for i in range(10)]
    )
    assert split.test_rows == 60
    train = values(split.train_data(spark, data_dir, NOW))
    assert train == sorted([f"n {i}" for i in range(200) if i % 4] + [f"past {i}" for i in range(10)])
    assert split.test_source == "retained history and new data, the app's split"


def test_all_data_is_every_new_and_past_line_whichever_split(
    spark: SparkSession, data_dir: str, t_history: str
) -> None:
    past = [f"{data_dir}/generation=1", t_history]

    split = make_split(spark, HoldOutTLinesApp(), f"{data_dir}/generation={NOW}", past, data_dir, NOW, 0.5, 100)

    assert len(values(split.all_data(spark, data_dir, NOW))) == 220
    assert len(values(split.train_data(spark, data_dir, NOW))) + split.test_rows == 220


def test_a_test_split_of_min_test_rows_stays_on_new_data(spark: SparkSession, data_dir: str, t_history: str) -> None:
    past = [f"{data_dir}/generation=1", t_history]

    split = make_split(spark, HoldOutTLinesApp(), f"{data_dir}/generation={NOW}", past, data_dir, NOW, 0.5, 50)

    assert split.rule is SplitRule.SPLIT_NEW and split.test_rows == 50
    assert split.test_source == "new data, the app's split"
    assert len(values(split.train_data(spark, data_dir, NOW))) == 150 + 20


def test_without_history_a_small_test_split_is_what_there_is(spark: SparkSession, data_dir: str) -> None:
    split = make_split(spark, HoldOutTLinesApp(), f"{data_dir}/generation={NOW}", [], data_dir, NOW, 0.5, 100)

    assert split.rule is SplitRule.SPLIT_NEW and split.test_rows == 50


def test_evaluation_is_expected_unless_test_fraction_is_zero(spark: SparkSession, data_dir: str) -> None:
    window, past = f"{data_dir}/generation={NOW}", [f"{data_dir}/generation=1"]

    off = make_split(spark, FakeApp(), window, past, data_dir, NOW, 0, 100)
    on = make_split(spark, FakeApp(), window, past, data_dir, NOW, 1, 100)

    assert (off.evaluates, off.test_source) == (False, "none (test-fraction 0: evaluation off)")
    assert (on.evaluates, on.test_source, on.test_rows) == (True, "all new data (test-fraction 1)", 200)
