"""ALS input parsing and Oryx 2's per-(user, item) aggregation, decay and log-strength rules."""

from __future__ import annotations

import math

import pytest

from oryx_core.apps.als.aggregation import (
    MS_PER_DAY,
    aggregate,
    apply_decay,
    decay,
    log_strength,
    parse_als_line,
)
from oryx_core.input.lines import BadLineError

NAN = math.nan


def test_parse_als_line_reads_the_four_fields() -> None:
    assert parse_als_line(["196", "242", "3.0", "881250949"]) == ("196", "242", 3.0, 881250949)


def test_parse_als_line_reads_an_empty_strength_as_a_delete() -> None:
    user, item, strength, timestamp = parse_als_line(["u", "i", "", "5"])
    assert (user, item, timestamp) == ("u", "i", 5)
    assert math.isnan(strength)


def test_a_timestamp_at_the_ends_of_a_java_long_is_read() -> None:
    assert parse_als_line(["u", "i", "1", "9223372036854775807"])[3] == 2**63 - 1
    assert parse_als_line(["u", "i", "1", "-9223372036854775808"])[3] == -(2**63)


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        (["u", "i", "1"], "expected 4 fields"),
        (["u", "i", "1", "2", "3"], "expected 4 fields"),
        (["", "i", "1", "2"], "must not be empty"),
        (["u", "i", "lots", "2"], "strength 'lots' is not a finite number"),
        (["u", "i", "NaN", "2"], "strength 'NaN' is not a finite number"),
        (["u", "i", "inf", "2"], "strength 'inf' is not a finite number"),
        (["u", "i", "1", "yesterday"], "timestamp 'yesterday' is not an integer"),
        (["u", "i", "1", "1.5"], "timestamp '1.5' is not an integer"),
        (["u", "i", "1", "1_000"], "timestamp '1_000' is not an integer"),
        (["u", "i", "1", "9223372036854775808"], "outside the range of a 64-bit integer"),
        (["u", "i", "1", "-9223372036854775809"], "outside the range of a 64-bit integer"),
    ],
)
def test_parse_als_line_rejects_bad_lines_saying_why(fields: list[str], problem: str) -> None:
    with pytest.raises(BadLineError, match=problem):
        parse_als_line(fields)


def test_implicit_sums_in_timestamp_order() -> None:
    records = [("u", "i", 1.0, 3), ("u", "i", 2.0, 1), ("u", "j", 4.0, 2)]
    assert aggregate(records, implicit=True) == {("u", "i"): 3.0, ("u", "j"): 4.0}


def test_implicit_delete_then_re_add_restarts_the_sum() -> None:
    records = [("u", "i", 5.0, 3), ("u", "i", 2.0, 1), ("u", "i", NAN, 2)]  # time order: 2, delete, 5
    assert aggregate(records, implicit=True) == {("u", "i"): 5.0}


def test_implicit_final_delete_removes_the_pair() -> None:
    records = [("u", "i", 2.0, 1), ("u", "i", 3.0, 2), ("u", "i", NAN, 3), ("u", "j", 1.0, 1)]
    assert aggregate(records, implicit=True) == {("u", "j"): 1.0}


def test_implicit_negative_strengths_are_summed() -> None:
    assert aggregate([("u", "i", 2.0, 1), ("u", "i", -0.5, 2)], implicit=True) == {("u", "i"): 1.5}


def test_explicit_last_value_wins() -> None:
    records = [("u", "i", 4.0, 2), ("u", "i", 1.0, 1)]
    assert aggregate(records, implicit=False) == {("u", "i"): 4.0}


def test_explicit_final_delete_removes_the_pair() -> None:
    assert aggregate([("u", "i", 4.0, 1), ("u", "i", NAN, 2)], implicit=False) == {}


def test_explicit_value_after_a_delete_counts() -> None:
    assert aggregate([("u", "i", 4.0, 1), ("u", "i", NAN, 2), ("u", "i", 2.0, 3)], implicit=False) == {("u", "i"): 2.0}


def test_equal_timestamps_keep_input_order() -> None:
    assert aggregate([("u", "i", 1.0, 7), ("u", "i", 2.0, 7)], implicit=False) == {("u", "i"): 2.0}
    assert aggregate([("u", "i", NAN, 7), ("u", "i", 2.0, 7)], implicit=True) == {("u", "i"): 2.0}


def test_decay_multiplies_by_the_factor_per_day_of_age() -> None:
    assert decay(8.0, 3.0, 0.5) == 1.0
    assert decay(8.0, 0.5, 0.25) == 4.0


def test_decay_leaves_future_records_and_deletes_alone() -> None:
    assert decay(8.0, -2.0, 0.5) == 8.0
    assert math.isnan(decay(NAN, 3.0, 0.5))


@pytest.mark.parametrize("factor", [0.0, 1.5, -0.5])
def test_decay_factor_must_be_in_zero_one(factor: float) -> None:
    with pytest.raises(ValueError, match=r"decay.factor must be in \(0, 1\]"):
        decay(1.0, 1.0, factor)


def test_apply_decay_uses_age_from_now() -> None:
    now = 10 * MS_PER_DAY
    decayed = list(apply_decay([("u", "i", 8.0, now - 2 * MS_PER_DAY), ("u", "j", 8.0, now + 5)], now, 0.5))
    assert decayed == [("u", "i", 2.0, now - 2 * MS_PER_DAY), ("u", "j", 8.0, now + 5)]


def test_zero_threshold_drops_only_small_positive_strengths() -> None:
    """Unlike Oryx 2, deletes (NaN) and negative strengths pass the threshold."""
    now = 0
    records = [("u", "a", 0.05, now), ("u", "b", 0.2, now), ("u", "c", NAN, now), ("u", "d", -0.01, now)]
    kept = list(apply_decay(records, now, 1.0, zero_threshold=0.1))
    assert [item for _, item, _, _ in kept] == ["b", "c", "d"]


def test_zero_threshold_applies_after_decay() -> None:
    now = 4 * MS_PER_DAY
    kept = list(apply_decay([("u", "i", 1.0, 0)], now, 0.5, zero_threshold=0.1))  # 1 × 0.5^4 = 0.0625
    assert kept == []


def test_log_strength_is_log1p_of_value_over_epsilon() -> None:
    assert log_strength(9.0, 1.0) == pytest.approx(math.log(10.0))
    assert log_strength(0.0, 1e-5) == 0.0
    assert math.isnan(log_strength(-2.0, 1.0))
