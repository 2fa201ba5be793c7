"""ALS input parsing in the batch layer: plain lines split by Spark SQL, every other line by the Python rule,
and both paths giving what the Python rule (``oryx_core``'s, shared with the speed layer) gives line by line."""

from __future__ import annotations

import math
import random

import pyarrow as pa
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from oryx_assets.apps.als.interactions import PLAIN_RECORD, _parse_record, parse_interactions

TRICKY = [
    "u1,i1,1.5,1700000000000",
    "u1,i1,,1700000000000",  # a delete
    "u 1,i-1,-2,-3",
    " u,i ,1e5,0",
    "u,i,1E+05,007",
    "u,i,00012,12",
    "u,i,-0,-0",
    "u,i,1e999,1",  # not finite
    "u,i,1e-99,1",
    "u,i,+1,1",
    "u,i,.5,1",
    "u,i,5.,1",
    "u,i,1_0,1",
    "u,i,inf,1",
    "u,i,nan,1",
    "u,i,1,1_000",
    "u,i,1,12345678901234567890",
    "u,i,1,123456789012345678",
    "u,i,1, 5",
    "u,i,1,5\n",
    "u,i,1,5\r\n",
    "u,i,1,5\u2028",
    "u,i,1,5\u0085",
    "u,i,1,\u0665",
    '"u,1",i,1,1',
    "u\\,x,i,1,1",
    '["u","i","1","2"]',
    "[u,i,1,2",
    "u,i,1",
    "u,i,1,2,3",
    ",i,1,1",
    "u,,1,1",
    "",
    "ü,ï,2.25,99",
]


def _random_line(rng: random.Random) -> str:
    alphabet = 'ab1,.-e+ "\\[]_'
    if rng.random() < 0.5:
        strength = rng.choice(["1", "2.5", "-3e2", ""])
        return f"u{rng.randint(0, 50)},i{rng.randint(0, 50)},{strength},{rng.randint(0, 10**13)}"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))


def _same(actual: object, expected: object) -> bool:
    if isinstance(actual, float) and isinstance(expected, float) and math.isnan(actual) and math.isnan(expected):
        return True
    return actual == expected


def test_both_paths_parse_every_line_as_the_python_rule_does(spark: SparkSession) -> None:
    rng = random.Random(11)
    lines = TRICKY + [_random_line(rng) for _ in range(400)]
    frame = spark.createDataFrame(pa.table({"key": pa.array([None] * len(lines), pa.string()), "value": lines}))
    assert frame.where(F.col("value").rlike(PLAIN_RECORD)).count() > 100  # the SQL path is exercised
    rows = sorted(parse_interactions(frame).collect(), key=lambda row: row["seq"])
    assert len(rows) == len(lines)
    for line, row in zip(lines, rows, strict=True):
        record, error = _parse_record(line)
        if record is None:
            assert (row["user"], row["error"], row["line"]) == (None, error, line), line
            continue
        assert row["error"] is None and row["line"] is None, line
        parsed = (row["user"], row["item"], row["strength"], row["ts"])
        assert all(_same(a, e) for a, e in zip(parsed, record, strict=True)), (line, parsed, record)


def test_a_null_line_is_a_bad_line_not_a_lost_one(spark: SparkSession) -> None:
    frame = spark.createDataFrame([(None, None), (None, "u,i,1,2")], "key string, value string")
    rows = sorted(parse_interactions(frame).collect(), key=lambda row: row["seq"])
    assert [(row["user"], row["error"]) for row in rows] == [(None, "the line is null"), ("u", None)]
