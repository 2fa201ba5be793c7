"""`oryx status` believes the speed layer's health.json only when the running process wrote it."""

from __future__ import annotations

from oryx_cli.stack import speed_health


def test_a_report_from_the_running_process_is_its_health() -> None:
    health = speed_health(4242, {"pid": 4242, "status": "running", "batches": 3})
    assert health.healthy and "batches 3" in health.detail


def test_the_model_generation_shows_so_a_roll_back_can_be_seen() -> None:
    health = speed_health(4242, {"pid": 4242, "status": "running", "model_generation": 1_700_000_000_000})
    assert "model_generation 1700000000000" in health.detail


def test_a_report_left_by_a_killed_process_is_not_the_new_ones() -> None:
    health = speed_health(5151, {"pid": 4242, "status": "running", "batches": 3})
    assert not health.healthy
    assert health.detail == "pid 5151, starting (health.json is from pid 4242)"


def test_no_report_yet_is_starting() -> None:
    health = speed_health(5151, {})
    assert not health.healthy and health.detail == "pid 5151, starting"
