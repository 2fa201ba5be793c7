"""ALS input lines to one strength per (user, item): parsing on the executors, then Oryx 2's rules in Spark SQL.

* Lines are parsed by the shared rule (``oryx_core.input.lines.parse_line`` and
  ``oryx_core.apps.als.aggregation.parse_als_line``, the same code the speed layer runs): ``user,item,strength,
  timestamp`` as CSV or a JSON array; an empty strength is a delete (NaN). Bad lines are counted and logged
  with a few samples, never fatal.
* Each record keeps ``seq``, its position in the input, so records with equal timestamps keep input order in
  every window below, as the reference's stable sort does.
* Decay, the zero threshold, the implicit sum / explicit last value, and ``logStrength`` are the SQL files in
  ``sql/apps/als/``; ``oryx_core.apps.als.aggregation`` is the reference they must agree with (unit-tested).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
from pyspark.sql import functions as F

from oryx_assets.sql import run_sql
from oryx_core.api.batch import holds_lines
from oryx_core.apps.als.aggregation import parse_als_line
from oryx_core.apps.als.bounds import IDBounds
from oryx_core.input.lines import SAMPLE_SIZE, BadLineError, parse_line

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger(__name__)

PARSED = "user string, item string, strength double, ts bigint, seq bigint, error string, line string"
INTERACTION_COLUMNS = ("user", "item", "strength", "ts", "seq")


@dataclass(frozen=True)
class StrengthRules:
    """How records become strengths (``oryx.als.*``): decay, zero threshold, aggregation and transform."""

    implicit: bool = True
    decay_factor: float = 1.0
    zero_threshold: float = 0.0
    log_strength: bool = False
    epsilon: float = 1e-5


def _parse_record(line: str | None) -> tuple[tuple[str, str, float, int] | None, str | None]:
    if line is None:
        return None, "the line is null"
    try:
        return parse_als_line(parse_line(line)), None
    except BadLineError as error:
        return None, error.reason


def _parse_batches(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    for batch in batches:
        columns: dict[str, list[object]] = {name: [] for name in ("user", "item", "strength", "ts", "error", "line")}
        for line in batch["value"]:
            record, error = _parse_record(line)
            user, item, strength, ts = record if record is not None else (None, None, None, None)
            for name, value in zip(columns, (user, item, strength, ts, error, line if error else None), strict=True):
                columns[name].append(value)
        frame = pd.DataFrame(columns)
        frame["ts"] = frame["ts"].astype("Int64")
        frame["strength"] = frame["strength"].astype("float64")
        frame.insert(4, "seq", batch["seq"].to_numpy())
        yield frame


PLAIN_RECORD = (
    r'^([^",\\\[\r\n][^",\\\r\n]*),([^",\\\r\n]+),'
    r"(-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]{1,2})?),(-?[0-9]{1,18})\z"
)
"""A line ``user,item,strength,timestamp`` with nothing for the CSV and number rules to decide: no quote,
escape, bracket or line break, a plain decimal strength (at most a two-digit exponent, so finite) and an
integer timestamp that fits a long, up to the very end (Java's ``\\z``: ``$`` would also match before a final
line break). Such lines, nearly all real ones, are split in Spark SQL; the rest go through the Python rule.
A unit test pins both paths to the same rows."""


def parse_interactions(lines: DataFrame) -> DataFrame:
    """Every line of ``lines.value`` parsed: good ones with ``error`` null, bad ones with ``user`` null.

    Columns: ``user, item, strength`` (NaN = delete), ``ts`` (epoch ms), ``seq`` (input order), ``error``,
    ``line`` (kept for bad lines only, for the log). Plain lines (``PLAIN_RECORD``) are split by Spark SQL,
    a sixth of the cost of the Python workers every other line goes through.
    """
    numbered = lines.select("value").withColumn("seq", F.monotonically_increasing_id())
    plain = F.col("value").rlike(PLAIN_RECORD)
    # The gate leaves exactly four fields without quotes or escapes: one split, not a regex match per field.
    field = [F.split("value", ",").getItem(index) for index in range(4)]
    fast = numbered.where(plain).select(
        field[0].alias("user"),
        field[1].alias("item"),
        field[2].cast("double").alias("strength"),
        field[3].cast("bigint").alias("ts"),
        "seq",
        F.lit(None).cast("string").alias("error"),
        F.lit(None).cast("string").alias("line"),
    )
    parsed = numbered.where(~plain | F.col("value").isNull()).mapInPandas(_parse_batches, PARSED)
    # Arrow turns pandas' NaN into null on the way back; a delete must be NaN for the SQL rules.
    slow = parsed.withColumn("strength", F.coalesce("strength", F.lit(math.nan)))
    return fast.unionByName(slow)


def good_interactions(parsed: DataFrame, what: str) -> DataFrame:
    """The good records of ``parse_interactions``; counts bad lines and logs a few (this runs a Spark job)."""
    bad = parsed.where("error IS NOT NULL")
    bad_count = bad.count()
    if bad_count:
        samples = "; ".join(f"{row['line']!r} ({row['error']})" for row in bad.limit(SAMPLE_SIZE).collect())
        log.warning("ALS %s: skipped %d bad input line(s); e.g. %s", what, bad_count, samples)
    return parsed.where("error IS NULL").select(*INTERACTION_COLUMNS)


def decayed_interactions(spark: SparkSession, interactions: DataFrame, rules: StrengthRules, now_ms: int) -> DataFrame:
    """``interactions`` with ``decay.factor`` applied by age at ``now_ms`` and ``decay.zero-threshold`` dropped."""
    if rules.decay_factor >= 1.0 and rules.zero_threshold <= 0.0:
        return interactions
    return run_sql(
        spark,
        "apps/als/decayed_interactions.sql",
        args={
            "factor": float(rules.decay_factor),
            "now_ms": int(now_ms),
            "zero_threshold": float(rules.zero_threshold),
        },
        interactions=interactions,
    )


def admitted_interactions(spark: SparkSession, interactions: DataFrame, bounds: IDBounds, now_ms: int) -> DataFrame:
    """The interactions of the IDs ``bounds`` lets hold a vector at ``now_ms`` (admission and expiry); all of
    them, at no cost, when neither rule is on."""
    if not bounds.active:
        return interactions
    oldest = bounds.oldest_kept_ms(now_ms)
    return run_sql(
        spark,
        "apps/als/admitted_interactions.sql",
        args={"min_interactions": bounds.min_interactions, "oldest_ms": -(2**63) if oldest is None else oldest},
        interactions=interactions,
    )


def aggregated_strengths(spark: SparkSession, interactions: DataFrame, rules: StrengthRules) -> DataFrame:
    """One ``(user, item, strength)`` per pair: implicit sum since the last delete, or explicit last value,
    then ``logStrength`` when configured. Deleted pairs are absent."""
    name = "summed_strengths" if rules.implicit else "latest_strengths"
    strengths = run_sql(spark, f"apps/als/{name}.sql", interactions=interactions)
    if not rules.log_strength:
        return strengths
    if not (rules.epsilon > 0.0 and math.isfinite(rules.epsilon)):
        raise ValueError(f"oryx.als.hyperparams.epsilon must be positive, got {rules.epsilon}")
    return run_sql(
        spark,
        "apps/als/transformed_strengths.sql",
        args={"log_strength": True, "epsilon": float(rules.epsilon)},
        strengths=strengths,
    )


def strengths(
    spark: SparkSession, interactions: DataFrame, rules: StrengthRules, now_ms: int | None = None
) -> DataFrame:
    """The full pipeline on good records: decay (when ``now_ms`` is given), aggregation, transform."""
    decayed = interactions if now_ms is None else decayed_interactions(spark, interactions, rules, now_ms)
    return aggregated_strengths(spark, decayed, rules)


def as_interactions(frame: DataFrame) -> DataFrame:
    """``parse_interactions`` of input lines; rows already parsed (``ALSUpdate.parse_input``) as they are."""
    return parse_interactions(frame) if holds_lines(frame) else frame
