"""ALS's train/test splits (``oryx.als.test-split``): which of the new lines score the candidate models.

Every rule holds out a share of *each user's* lines, so every tested user has other lines to learn from. A user
with ``n`` new lines gives ``floor(f * n)`` of them, plus one more with probability ``frac(f * n)`` drawn from a
hash of the user ID (so a re-run splits identically), where ``f`` is ``test-fraction``: about ``f`` of all lines
test. The rules differ in which of a user's lines:

* ``user-random`` (default): a seeded random share, drawn by (user, item) pair so a pair's lines stay on one
  side. On MovieLens as implicit feedback, the candidates' NDCG@10 on such a split ranked them as they rank on
  a random held-out tenth (the best on one was the best on the other), and the winner also matched the best
  library on each user's latest tenth.
* ``user-latest``: each user's latest lines (ties in time broken by the line text): what the user did next.
  Its NDCG@10 barely told the same candidates apart: models it scored alike (0.052-0.053) spanned 0.18-0.235
  on a random held-out tenth, so its choice was luck.
* ``time-range``: Oryx 2's ``ALSUpdate.splitNewDataToTrainTest``, the lines at or after
  ``max - f * (max - min)`` of the new data's timestamps. Its own comment calls this a rough approximation
  that assumes evenly spread timestamps. On data spanning years (MovieLens: 22 years), the last tenth of the
  range holds a few dozen users who mostly rate new releases, and the mean AUC (0.51-0.57) barely tells the
  candidates apart; ``user-latest`` scores the same model on ~600 users (0.84).

Lines without a readable user and timestamp train (and are counted as bad there).

The split takes either ``(key, value)`` lines or the app's parsed rows (``parse_input``: ``user, item, strength,
ts, seq, ...``), and returns the same columns it was given. Ties in time are broken by the line text, or by
input order (``seq``) for parsed rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pandas as pd
from pyspark.sql import Column, Window
from pyspark.sql import functions as F

from oryx_core.api.batch import holds_lines
from oryx_core.apps.als.aggregation import parse_als_line
from oryx_core.input.lines import BadLineError, parse_line

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

STAMPED = "key string, value string, user string, item string, ts bigint"
USER_RANDOM = "user-random"
USER_LATEST = "user-latest"
TIME_RANGE = "time-range"
HASH_BUCKETS = 1_000_000
"""Resolution of the per-user draw that rounds ``f * n`` up or down."""


def _user_item_and_timestamp(line: str | None) -> tuple[str | None, str | None, int | None]:
    if line is None:
        return None, None, None
    try:
        user, item, _, timestamp = parse_als_line(parse_line(line))
    except BadLineError:
        return None, None, None
    return user, item, timestamp


def _stamp(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    for batch in batches:
        parsed = [_user_item_and_timestamp(line) for line in batch["value"]]
        yield pd.DataFrame(
            {
                "key": batch["key"],
                "value": batch["value"],
                "user": pd.array([user for user, _, _ in parsed], dtype="string"),
                "item": pd.array([item for _, item, _ in parsed], dtype="string"),
                "ts": pd.array([stamp for _, _, stamp in parsed], dtype="Int64"),
            }
        )


def _stamped(new_df: DataFrame) -> tuple[DataFrame, list[str], str]:
    """Rows with ``user``, ``item`` and ``ts``, the columns to return, and the tie-breaking column."""
    if not holds_lines(new_df):
        return new_df, new_df.columns, "seq"
    return new_df.select("key", "value").mapInPandas(_stamp, STAMPED), ["key", "value"], "value"


def split_boundary(min_ts: int, max_ts: int, test_fraction: float) -> int:
    """The first test timestamp of ``time-range``, truncated to whole milliseconds as Oryx 2's cast did."""
    return int(max_ts - test_fraction * (max_ts - min_ts))


def time_range_split(new_df: DataFrame, test_fraction: float, seed: int = 0) -> tuple[DataFrame, DataFrame]:
    """(train, test) ``key, value`` lines of ``new_df``: the latest ``test_fraction`` of its time range tests."""
    stamped, columns, _ = _stamped(new_df)
    bounds = stamped.agg(F.min("ts").alias("low"), F.max("ts").alias("high")).first()
    if bounds is None or bounds["low"] is None:
        return new_df.select(*columns), new_df.select(*columns).limit(0)
    boundary = split_boundary(bounds["low"], bounds["high"], test_fraction)
    train = stamped.where(F.col("ts").isNull() | (F.col("ts") < boundary)).select(*columns)
    test = stamped.where(F.col("ts") >= boundary).select(*columns)
    return train, test


def user_test_count(lines: int, test_fraction: float, draw: float) -> int:
    """How many of a user's ``lines`` test: ``f * n`` rounded up when ``draw`` (in [0, 1)) < its fraction."""
    exact = test_fraction * lines
    whole = int(exact)
    return whole + (1 if draw < exact - whole else 0)


def _user_share_split(
    new_df: DataFrame, test_fraction: float, seed: int, order: list[Column | str]
) -> tuple[DataFrame, DataFrame]:
    """(train, test) ``key, value`` lines: each user's first ``f * n`` lines in ``order`` test (rounded up or down
    by a hash of the user and ``seed``); lines without a readable user and timestamp train."""
    stamped, columns, tie = _stamped(new_df)
    ties = {"tie": F.col(tie), "tie-desc": F.col(tie).desc()}
    order = [ties[o] if isinstance(o, str) else o for o in order]
    per_user = Window.partitionBy("user")
    exact = F.lit(float(test_fraction)) * F.count("*").over(per_user)
    draw = F.pmod(F.xxhash64("user", F.lit(int(seed))), F.lit(HASH_BUCKETS)) / F.lit(float(HASH_BUCKETS))
    wanted = F.floor(exact) + F.when(draw < exact - F.floor(exact), 1).otherwise(0)
    ranked = stamped.where(F.col("user").isNotNull() & F.col("ts").isNotNull()).select(
        *columns, (F.row_number().over(per_user.orderBy(*order)) <= wanted).alias("is_test")
    )
    unreadable = stamped.where(F.col("user").isNull() | F.col("ts").isNull()).select(*columns)
    train = ranked.where(~F.col("is_test")).select(*columns).unionByName(unreadable)
    test = ranked.where(F.col("is_test")).select(*columns)
    return train, test


def user_latest_split(new_df: DataFrame, test_fraction: float, seed: int = 0) -> tuple[DataFrame, DataFrame]:
    """(train, test) ``key, value`` lines of ``new_df``: each user's latest lines test (see the module doc)."""
    return _user_share_split(new_df, test_fraction, seed, [F.col("ts").desc(), "tie-desc"])


def user_random_split(new_df: DataFrame, test_fraction: float, seed: int = 0) -> tuple[DataFrame, DataFrame]:
    """(train, test) ``key, value`` lines of ``new_df``: a seeded random share of each user's lines tests, drawn by
    (user, item) pair, so the lines of one pair stay together (a pair seen in training would leak its test)."""
    pair_draw = F.xxhash64("user", "item", F.lit(int(seed)))
    return _user_share_split(new_df, test_fraction, seed, [pair_draw, "tie"])


SPLITS: dict[str, Callable[[DataFrame, float, int], tuple[DataFrame, DataFrame]]] = {
    USER_RANDOM: user_random_split,
    USER_LATEST: user_latest_split,
    TIME_RANGE: time_range_split,
}
