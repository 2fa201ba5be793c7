"""Which data and model folders are past their maximum age."""

from __future__ import annotations

from oryx_assets.lambda_.retention import HOUR_MS, expired_models, expired_windows, window_name, window_timestamp

NOW = 1_700_000_000_000


def test_window_names_round_trip() -> None:
    assert window_timestamp(window_name(NOW)) == NOW


def test_other_folders_are_not_windows() -> None:
    assert window_timestamp("generation=x") is None
    assert window_timestamp("oryx-123.data") is None


def test_minus_one_keeps_every_window() -> None:
    assert expired_windows([window_name(0), window_name(NOW)], NOW, -1) == []


def test_windows_older_than_max_age_expire() -> None:
    names = [window_name(NOW - 3 * HOUR_MS), window_name(NOW - 2 * HOUR_MS), window_name(NOW - HOUR_MS)]

    assert expired_windows(names, NOW, 2) == [window_name(NOW - 3 * HOUR_MS)]


def test_zero_hours_expires_all_past_windows_but_not_the_current_one() -> None:
    assert expired_windows([window_name(NOW - 1), window_name(NOW)], NOW, 0) == [window_name(NOW - 1)]


def test_models_are_dated_by_their_first_digits_and_hidden_folders_survive() -> None:
    names = [str(NOW - 5 * HOUR_MS), f"model-{NOW - 5 * HOUR_MS}", ".checkpoint", "_tmp1", "latest", str(NOW)]

    assert expired_models(names, NOW, 1) == sorted([str(NOW - 5 * HOUR_MS), f"model-{NOW - 5 * HOUR_MS}"])
