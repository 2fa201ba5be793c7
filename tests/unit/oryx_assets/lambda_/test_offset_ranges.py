"""The stored offset range of a window, and what a re-run commits."""

from __future__ import annotations

from oryx_assets.lambda_.offsets import OffsetRange, offsets_to_commit

WINDOW = OffsetRange("OryxInput", start={0: 5, 1: 7, 2: 0}, end={0: 9, 1: 7, 2: 1})


def test_json_round_trip() -> None:
    assert OffsetRange.from_json(WINDOW.to_json()) == WINDOW


def test_records_per_partition_and_emptiness() -> None:
    assert [WINDOW.records(p) for p in (0, 1, 2)] == [4, 0, 1]
    assert not WINDOW.is_empty()
    assert OffsetRange("t", {0: 3}, {0: 3}).is_empty()


def test_rerun_commits_the_window_end_when_the_group_is_still_at_its_start() -> None:
    assert offsets_to_commit(WINDOW, {0: 5, 1: 7, 2: 0}) == {0: 9, 1: 7, 2: 1}


def test_rerun_commits_nothing_once_the_group_moved_on() -> None:
    assert offsets_to_commit(WINDOW, {0: 9, 1: 7, 2: 1}) is None
    assert offsets_to_commit(WINDOW, {0: 20, 1: 9, 2: 4}) is None


def test_markdown_has_one_row_per_partition() -> None:
    assert WINDOW.markdown().splitlines()[2:] == ["| 0 | 5 | 9 | 4 |", "| 1 | 7 | 7 | 0 |", "| 2 | 0 | 1 | 1 |"]
