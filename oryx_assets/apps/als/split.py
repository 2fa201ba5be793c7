"""ALS's time-based train/test split (Oryx 2's ``ALSUpdate.splitNewDataToTrainTest``).

Recommenders are judged on what users do next, so the latest ``test-fraction`` of the new data's timestamp
range is held out rather than a random sample: with timestamps from ``min`` to ``max``, lines at or after
``max - test_fraction * (max - min)`` test and earlier lines train. As Oryx 2 notes, this approximates a
fraction of the *lines* only when timestamps are spread evenly. Lines without a readable timestamp train
(and are counted as bad there).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pandas as pd
from pyspark.sql import functions as F

from oryx_core.apps.als.aggregation import parse_als_line
from oryx_core.input.lines import BadLineError, parse_line

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

STAMPED = "key string, value string, ts bigint"


def _timestamp(line: str | None) -> int | None:
    if line is None:
        return None
    try:
        return parse_als_line(parse_line(line))[3]
    except BadLineError:
        return None


def _stamp(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    for batch in batches:
        stamps = pd.array([_timestamp(line) for line in batch["value"]], dtype="Int64")
        yield pd.DataFrame({"key": batch["key"], "value": batch["value"], "ts": stamps})


def split_boundary(min_ts: int, max_ts: int, test_fraction: float) -> int:
    """The first test timestamp, truncated to whole milliseconds as Oryx 2's ``long`` cast did."""
    return int(max_ts - test_fraction * (max_ts - min_ts))


def time_split(new_df: DataFrame, test_fraction: float) -> tuple[DataFrame, DataFrame]:
    """(train, test) ``key, value`` lines of ``new_df``: the latest ``test_fraction`` of its time range tests."""
    stamped = new_df.select("key", "value").mapInPandas(_stamp, STAMPED)
    bounds = stamped.agg(F.min("ts").alias("low"), F.max("ts").alias("high")).first()
    if bounds is None or bounds["low"] is None:
        return new_df.select("key", "value"), new_df.select("key", "value").limit(0)
    boundary = split_boundary(bounds["low"], bounds["high"], test_fraction)
    train = stamped.where(F.col("ts").isNull() | (F.col("ts") < boundary)).select("key", "value")
    test = stamped.where(F.col("ts") >= boundary).select("key", "value")
    return train, test
