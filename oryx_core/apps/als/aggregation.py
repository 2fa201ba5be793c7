"""How ALS turns input records into one strength per (user, item): Oryx 2's batch rules, shared with speed.

The speed layer must aggregate a micro-batch exactly as the batch layer aggregates all data, or the two
layers would disagree about what a user did. The batch layer expresses the same rules in Spark SQL
(``sql/apps/als/``); these functions are the reference the speed layer runs and the tests pin down.

Rules (spec 4.1): records are taken in timestamp order. Implicit feedback sums strengths; a delete (empty
strength, NaN here) makes the running total NaN and the next strength restarts the sum from itself. Explicit
feedback keeps the last value. A pair whose final value is NaN (deleted) is removed.

One deliberate difference from Oryx 2: ``decay.zero-threshold`` drops only non-NaN *positive* strengths at or
below the threshold. Oryx 2's filter also dropped delete markers (so deletes were silently ignored whenever
the threshold was set) and every negative strength (spec section 8).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Iterator, Sequence

from oryx_core.input.lines import BadLineError, join_csv

__all__ = [
    "MS_PER_DAY",
    "Record",
    "age_days",
    "aggregate",
    "apply_decay",
    "decay",
    "log_strength",
    "parse_als_line",
]

MS_PER_DAY = 86_400_000

Record = tuple[str, str, float, int]
"""(user, item, strength or NaN for a delete, timestamp in epoch milliseconds)."""


def parse_als_line(fields: Sequence[str]) -> Record:
    """One ALS input record from a parsed line ``user,item,strength,timestamp``; an empty strength deletes.

    Raises ``BadLineError`` (a ValueError) naming the line and the problem. The batch and speed layers need
    all four fields; ``/ingest`` normalises shorter forms before the line reaches the topic.
    """
    if len(fields) != 4:
        raise BadLineError(join_csv(fields), f"expected 4 fields user,item,strength,timestamp, got {len(fields)}")
    user, item, strength_text, timestamp_text = fields
    if not user or not item:
        raise BadLineError(join_csv(fields), "user and item IDs must not be empty")
    return user, item, _strength(fields, strength_text), _timestamp(fields, timestamp_text)


def _strength(fields: Sequence[str], text: str) -> float:
    if not text.strip():
        return math.nan
    with contextlib.suppress(ValueError):
        strength = float(text)
        if math.isfinite(strength) and "_" not in text:  # Python-only digit separators are not numbers
            return strength
    raise BadLineError(join_csv(fields), f"strength {text!r} is not a finite number (or empty, for a delete)")


LONG_RANGE = range(-(2**63), 2**63)
"""A timestamp is a Java long, as Oryx 2 parsed it: beyond it ``Long.parseLong`` failed, and here a batch
layer's int64 column could not hold the line."""


def _timestamp(fields: Sequence[str], text: str) -> int:
    timestamp = None
    with contextlib.suppress(ValueError):
        if "_" not in text:
            timestamp = int(text.strip())
    if timestamp is None:
        raise BadLineError(join_csv(fields), f"timestamp {text!r} is not an integer (epoch milliseconds)")
    if timestamp not in LONG_RANGE:
        raise BadLineError(join_csv(fields), f"timestamp {text!r} is outside the range of a 64-bit integer")
    return timestamp


def age_days(timestamp_ms: int, now_ms: int) -> float:
    """Age of a record in (fractional) days; negative for a timestamp in the future."""
    return (now_ms - timestamp_ms) / MS_PER_DAY


def decay(strength: float, age_days: float, factor: float) -> float:
    """``strength × factor^age_days``; records from the future, factor 1 and deletes (NaN) are unchanged."""
    if not 0.0 < factor <= 1.0:
        raise ValueError(f"oryx.als.decay.factor must be in (0, 1], got {factor}")
    if factor == 1.0 or age_days <= 0.0 or math.isnan(strength):
        return strength
    return strength * factor**age_days


def apply_decay(
    records: Iterable[Record], now_ms: int, factor: float = 1.0, zero_threshold: float = 0.0
) -> Iterator[Record]:
    """Decays each strength by its age, then drops positive strengths ≤ ``zero_threshold`` (when > 0).

    Deletes (NaN) and negative strengths always pass, unlike Oryx 2 (see the module docstring).
    """
    for user, item, strength, timestamp in records:
        decayed = decay(strength, age_days(timestamp, now_ms), factor)
        if zero_threshold > 0.0 and 0.0 < decayed <= zero_threshold:
            continue
        yield user, item, decayed, timestamp


def log_strength(value: float, epsilon: float) -> float:
    """``log1p(value / epsilon)``, the ``logStrength`` transform (Hu et al. eq. 6); NaN below −epsilon."""
    if epsilon <= 0.0:
        raise ValueError(f"oryx.als.hyperparams.epsilon must be positive, got {epsilon}")
    ratio = value / epsilon
    return math.log1p(ratio) if ratio > -1.0 else math.nan


def aggregate(records: Iterable[Record], implicit: bool) -> dict[tuple[str, str], float]:
    """One value per (user, item) from records in timestamp order; deleted pairs are absent.

    Records with equal timestamps keep their input order (the sort is stable).
    """
    totals: dict[tuple[str, str], float] = {}
    for user, item, strength, _ in sorted(records, key=lambda record: record[3]):
        key = (user, item)
        previous = totals.get(key, math.nan)
        if implicit and not math.isnan(strength) and not math.isnan(previous):
            totals[key] = previous + strength
        else:
            totals[key] = strength  # explicit: last wins; implicit: first value, restart after a delete, or NaN
    return {key: value for key, value in totals.items() if not math.isnan(value)}
