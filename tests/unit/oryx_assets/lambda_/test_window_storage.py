"""Copying a window into Parquet in bounded chunks, and telling complete windows from half-written ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from oryx_assets.lambda_ import input_window
from oryx_assets.lambda_.input_window import read_window, window_is_complete
from oryx_assets.lambda_.offsets import OFFSETS_FILE
from oryx_assets.lambda_.storage import HadoopStorage
from oryx_core.input.erasure import ERASE_INPUT_KEY
from oryx_core.topics.messages import KeyMessage

LINES = [KeyMessage(None, "a b"), KeyMessage("k", "c"), KeyMessage(None, "d e f"), KeyMessage(None, "")]


def by_value(lines: list[tuple[str | None, str]]) -> list[tuple[str | None, str]]:
    return sorted(lines, key=lambda line: line[1])


def stored_lines(spark: SparkSession, path: str) -> list[tuple[str | None, str]]:
    return by_value([(row["key"], row["value"]) for row in read_window(spark, path).collect()])


def test_lines_are_written_in_chunks_and_all_kept(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(input_window, "CHUNK_LINES", 2)
    path = f"file:{tmp_path}/generation=1"

    stats = input_window._write_window(spark, iter(LINES), path)

    assert stats.lines == len(LINES)
    assert stored_lines(spark, path) == by_value([(m.key, m.message) for m in LINES])


def test_rewriting_replaces_what_a_failed_run_left(spark: SparkSession, tmp_path: Path) -> None:
    path = f"file:{tmp_path}/generation=1"
    input_window._write_window(spark, iter(LINES), path)

    input_window._write_window(spark, iter(LINES[:1]), path)

    assert stored_lines(spark, path) == [(None, "a b")]


def test_an_empty_window_still_has_a_readable_schema(spark: SparkSession, tmp_path: Path) -> None:
    path = f"file:{tmp_path}/generation=1"

    assert input_window._write_window(spark, iter([]), path).lines == 0
    assert read_window(spark, path).count() == 0


def test_window_is_complete_only_once_its_range_is_recorded(spark: SparkSession, tmp_path: Path) -> None:
    input_window._write_window(spark, iter(LINES), f"file:{tmp_path}/generation=1")
    storage = HadoopStorage(spark, f"file:{tmp_path}")
    assert not window_is_complete(storage, "generation=1")

    storage.write_text(f"generation=1/{OFFSETS_FILE}", "{}")

    assert window_is_complete(storage, "generation=1")
    assert storage.read_text(f"generation=1/{OFFSETS_FILE}") == "{}"
    assert storage.child_dirs() == ["generation=1"]


def test_lines_that_are_not_csv_or_json_arrays_are_counted_with_samples(spark: SparkSession, tmp_path: Path) -> None:
    lines = [KeyMessage(None, "1,2"), KeyMessage(None, "[1, {}]"), KeyMessage(None, "x,\\"), KeyMessage(None, "3")]

    stats = input_window._write_window(spark, iter(lines), f"file:{tmp_path}/generation=1")

    assert (stats.lines, stats.bad_lines) == (4, 2)
    assert [line for line, _ in stats.samples] == ["[1, {}]", "x,\\"]
    assert stats.bad_line_ratio == 0.5


def test_erasure_tombstones_are_counted_while_copying_and_kept_as_lines(spark: SparkSession, tmp_path: Path) -> None:
    """``historical_data`` looks for erasures only in a window whose count is not 0; the tombstone itself stays
    until the erasure rewrites the window."""
    tombstone = KeyMessage(ERASE_INPUT_KEY, "alice,5")
    path = f"file:{tmp_path}/generation=1"
    stats = input_window._write_window(spark, iter([*LINES, tombstone]), path)
    assert (stats.lines, stats.erasures) == (len(LINES) + 1, 1)
    assert (ERASE_INPUT_KEY, "alice,5") in stored_lines(spark, path)
    assert input_window._write_window(spark, iter(LINES), path).erasures == 0


def test_line_stats_are_stored_beside_the_window_and_read_back(spark: SparkSession, tmp_path: Path) -> None:
    storage = HadoopStorage(spark, f"file:{tmp_path}")
    stats = input_window.LineStats(10, 1, [("[oops", "invalid JSON array")])
    assert input_window.read_line_stats(storage, "generation=1") is None

    storage.write_text(f"generation=1/{input_window.LINE_STATS_FILE}", stats.to_json())

    assert input_window.read_line_stats(storage, "generation=1") == stats
