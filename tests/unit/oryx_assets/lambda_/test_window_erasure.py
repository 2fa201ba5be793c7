"""The batch layer's erasure (``oryx_assets.lambda_.erasure``) on real Parquet windows with a local Spark: what is
removed, what stays, that nothing of the user survives under the data folder, and that an interrupted rewrite
loses no line."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyspark.sql import SparkSession

from oryx_assets.lambda_.erasure import (
    REWRITE_FOLDER,
    REWRITE_RECORD,
    drop_derived_outputs,
    erase_from_windows,
    finish_rewrites,
    window_erasures,
)
from oryx_assets.lambda_.input_window import LINE_STATS_FILE, LineStats
from oryx_assets.lambda_.offsets import OFFSETS_FILE
from oryx_assets.lambda_.storage import HadoopStorage
from oryx_assets.lambda_.windows import LINES_SCHEMA, read_window
from oryx_core.input.erasure import ERASE_INPUT_KEY, Erasure

ERASED_AT = 5_000
PAST = "generation=1000"
CURRENT = "generation=2000"
PAST_LINES = ["alice,apple,1,100", "bob,apple,1,200", '"alice,broken', "alice,pear,1,300", "carol,alice,1,400"]
CURRENT_LINES = ["bob,pear,1,4000", "alice,plum,1,4500", "alice,kiwi,1,6000"]


def write_window(spark: SparkSession, data_dir: Path, name: str, rows: list[tuple[str | None, str]]) -> None:
    spark.createDataFrame(rows, LINES_SCHEMA).repartition(2).write.mode("overwrite").parquet(str(data_dir / name))
    (data_dir / name / OFFSETS_FILE).write_text("{}")
    stats = LineStats(len(rows), 1, [('"alice,broken', "unclosed quote"), ('"bob,broken', "unclosed quote")])
    (data_dir / name / LINE_STATS_FILE).write_text(stats.to_json())


@pytest.fixture
def data_dir(spark: SparkSession, tmp_path: Path) -> Path:
    write_window(spark, tmp_path, PAST, [(None, line) for line in PAST_LINES])
    tombstone = (ERASE_INPUT_KEY, Erasure("alice", ERASED_AT).to_line())
    write_window(spark, tmp_path, CURRENT, [*((None, line) for line in CURRENT_LINES), tombstone])
    derived = spark.createDataFrame([(None, line) for line in PAST_LINES], LINES_SCHEMA)
    derived.write.parquet(str(tmp_path / PAST / "_train_test_split" / "train"))
    return tmp_path


def lines_of(spark: SparkSession, path: Path) -> list[str]:
    return sorted(row["value"] for row in read_window(spark, str(path)).collect())


def every_text_under(folder: Path) -> list[str]:
    """Every value in every Parquet file and the text of every other file under ``folder``."""
    found = []
    for file in folder.rglob("*"):
        if not file.is_file() or file.name.endswith(".crc") or file.name == "_SUCCESS":
            continue
        if file.suffix == ".parquet":
            table = pq.read_table(file)
            found += [str(v) for column in table.columns if pa.types.is_string(column.type) for v in column.to_pylist()]
        else:
            found.append(file.read_text())
    return found


def erase(spark: SparkSession, data_dir: Path) -> dict[str, int]:
    storage = HadoopStorage(spark, str(data_dir))
    erased = window_erasures(spark, str(data_dir / CURRENT))
    assert erased == {"alice": ERASED_AT}
    removed = erase_from_windows(spark, storage, [PAST, CURRENT], erased)
    drop_derived_outputs(storage, [PAST])
    return removed


def test_erasure_removes_every_earlier_line_of_the_user_and_keeps_the_rest(spark: SparkSession, data_dir: Path) -> None:
    removed = erase(spark, data_dir)
    assert removed == {PAST: 3, CURRENT: 2}  # the tombstone goes too
    assert lines_of(spark, data_dir / PAST) == ["bob,apple,1,200", "carol,alice,1,400"]
    assert lines_of(spark, data_dir / CURRENT) == ["alice,kiwi,1,6000", "bob,pear,1,4000"]  # kiwi came later
    leftovers = [text for text in every_text_under(data_dir) if "alice" in text and "kiwi" not in text]
    assert leftovers == ["carol,alice,1,400"]  # alice is an item there, not the user
    stats = LineStats.from_json((data_dir / PAST / LINE_STATS_FILE).read_text())
    assert (stats.lines, [line for line, _ in stats.samples]) == (2, ['"bob,broken'])
    assert not (data_dir / PAST / "_train_test_split").exists()
    assert (data_dir / PAST / OFFSETS_FILE).exists()  # still a complete window


def test_erasing_again_changes_nothing(spark: SparkSession, data_dir: Path) -> None:
    erase(spark, data_dir)
    before = {name: lines_of(spark, data_dir / name) for name in (PAST, CURRENT)}
    storage = HadoopStorage(spark, str(data_dir))
    assert erase_from_windows(spark, storage, [PAST, CURRENT], {"alice": ERASED_AT}) == {PAST: 0, CURRENT: 0}
    assert {name: lines_of(spark, data_dir / name) for name in (PAST, CURRENT)} == before


def test_a_window_left_with_no_line_stays_readable(spark: SparkSession, tmp_path: Path) -> None:
    write_window(spark, tmp_path, PAST, [(None, "alice,apple,1,1"), (None, "alice,pear,1,2")])
    storage = HadoopStorage(spark, str(tmp_path))
    assert erase_from_windows(spark, storage, [PAST], {"alice": ERASED_AT}) == {PAST: 2}
    assert lines_of(spark, tmp_path / PAST) == []


def test_a_rewrite_interrupted_after_its_record_is_finished(spark: SparkSession, data_dir: Path) -> None:
    """Crash between deleting the old files and moving in the new ones: the record says which lines are the
    window now, and the next run completes the swap."""
    window = data_dir / PAST
    kept = spark.createDataFrame([(None, "bob,apple,1,200")], LINES_SCHEMA)
    kept.write.parquet(str(window / REWRITE_FOLDER))
    new_files = sorted(f.name for f in (window / REWRITE_FOLDER).iterdir() if f.name.startswith("part-"))
    (window / REWRITE_RECORD).write_text(json.dumps(new_files))
    for old in window.glob("part-*"):
        old.unlink()  # the crash came after the old files were deleted
    finish_rewrites(HadoopStorage(spark, str(data_dir)), [PAST, CURRENT])
    assert lines_of(spark, window) == ["bob,apple,1,200"]
    assert not (window / REWRITE_FOLDER).exists() and not (window / REWRITE_RECORD).exists()


def test_a_rewrite_interrupted_before_its_record_is_dropped(spark: SparkSession, data_dir: Path) -> None:
    window = data_dir / PAST
    spark.createDataFrame([(None, "half,written,1,1")], LINES_SCHEMA).write.parquet(str(window / REWRITE_FOLDER))
    finish_rewrites(HadoopStorage(spark, str(data_dir)), [PAST])
    assert lines_of(spark, window) == sorted(PAST_LINES)
    assert not (window / REWRITE_FOLDER).exists()


def test_window_stats_count_tombstones_and_older_stats_say_they_did_not() -> None:
    """``historical_data`` skips looking for tombstones in a window whose stats counted none; a window stored
    before they were counted (no field) is looked at."""
    stats = LineStats(3, 0, [], erasures=1)
    assert LineStats.from_json(stats.to_json()) == stats
    assert LineStats.from_json('{"lines": 3, "bad_lines": 0, "samples": []}').erasures is None
