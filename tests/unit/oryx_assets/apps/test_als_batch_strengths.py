"""The ALS batch's Spark SQL turns records into strengths exactly as the shared reference rules do."""

from __future__ import annotations

import math
import random

import pytest
from pyspark.sql import DataFrame, SparkSession

from oryx_assets.apps.als.interactions import (
    StrengthRules,
    good_interactions,
    parse_interactions,
    strengths,
)
from oryx_core.apps.als.aggregation import MS_PER_DAY, Record, aggregate, apply_decay, log_strength

NOW = 1_700_000_000_000


def random_records(seed: int, count: int = 400) -> list[Record]:
    """Few users and items (so pairs repeat), deletes, negative strengths, equal timestamps, future ones."""
    rng = random.Random(seed)
    records = []
    for _ in range(count):
        strength = math.nan if rng.random() < 0.2 else round(rng.uniform(-1.0, 5.0), 3)
        timestamp = NOW - rng.randrange(-2, 30) * MS_PER_DAY // 2  # halves of days, some in the future
        records.append((f"u{rng.randrange(6)}", f"i{rng.randrange(5)}", strength, timestamp))
    return records


def as_lines(records: list[Record]) -> list[str]:
    return [f"{u},{i},{'' if math.isnan(s) else s},{t}" for u, i, s, t in records]


def sql_strengths(spark: SparkSession, lines: list[str], rules: StrengthRules) -> dict[tuple[str, str], float]:
    frame: DataFrame = spark.createDataFrame([(None, line) for line in lines], "key string, value string")
    interactions = good_interactions(parse_interactions(frame.repartition(1)), "test")
    result = strengths(spark, interactions, rules, NOW)
    return {(row["user"], row["item"]): row["strength"] for row in result.collect()}


def reference(records: list[Record], rules: StrengthRules) -> dict[tuple[str, str], float]:
    decayed = apply_decay(records, NOW, rules.decay_factor, rules.zero_threshold)
    values = aggregate(decayed, rules.implicit)
    if rules.log_strength:
        values = {k: log_strength(v, rules.epsilon) for k, v in values.items()}
        values = {k: v for k, v in values.items() if not math.isnan(v)}
    return values


def assert_same(actual: dict[tuple[str, str], float], expected: dict[tuple[str, str], float]) -> None:
    assert actual.keys() == expected.keys()
    for key, value in expected.items():
        assert actual[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key


@pytest.mark.parametrize(
    "rules",
    [
        StrengthRules(implicit=True),
        StrengthRules(implicit=False),
        StrengthRules(implicit=True, decay_factor=0.9, zero_threshold=0.5),
        StrengthRules(implicit=False, decay_factor=0.8, zero_threshold=1.0),
        StrengthRules(implicit=True, log_strength=True, epsilon=0.5),
    ],
    ids=["implicit", "explicit", "implicit-decay-threshold", "explicit-decay-threshold", "implicit-log"],
)
def test_sql_strengths_match_the_reference_on_random_records_with_deletes(
    spark: SparkSession, rules: StrengthRules
) -> None:
    for seed in range(2):
        records = random_records(seed)
        assert_same(sql_strengths(spark, as_lines(records), rules), reference(records, rules))


def test_a_delete_restarts_the_implicit_sum_and_a_final_delete_removes_the_pair(spark: SparkSession) -> None:
    lines = ["a,x,1,1", "a,x,2,2", "a,x,,3", "a,x,4,4", "a,x,0.5,5", "a,y,3,1", "a,y,,2", "b,x,1,1"]
    assert sql_strengths(spark, lines, StrengthRules(implicit=True)) == {("a", "x"): 4.5, ("b", "x"): 1.0}


def test_equal_timestamps_keep_input_order_for_explicit_last_value(spark: SparkSession) -> None:
    lines = ["a,x,1,7", "a,x,2,7", "a,x,3,7"]
    assert sql_strengths(spark, lines, StrengthRules(implicit=False)) == {("a", "x"): 3.0}


def test_the_zero_threshold_keeps_deletes_unlike_oryx_2(spark: SparkSession) -> None:
    lines = [f"a,x,5,{NOW - MS_PER_DAY}", f"a,x,,{NOW}", f"a,y,0.1,{NOW}"]
    rules = StrengthRules(implicit=True, decay_factor=0.5, zero_threshold=0.2)
    assert sql_strengths(spark, lines, rules) == {}


def test_bad_lines_are_skipped_and_the_rest_parsed(spark: SparkSession) -> None:
    lines = ["a,x,1,1", "a,x", '["b","y","2","3"]', "c,z,abc,1", "d,w,1,soon", ",x,1,1"]
    frame = spark.createDataFrame([(None, line) for line in lines], "key string, value string")
    parsed = parse_interactions(frame).cache()
    good = good_interactions(parsed, "test").collect()
    assert [(r["user"], r["item"], r["strength"], r["ts"]) for r in good] == [("a", "x", 1.0, 1), ("b", "y", 2.0, 3)]
    assert parsed.where("error IS NOT NULL").count() == 4
