"""Erasure in the batch layer: a generation's erasure requests rewrite every retained window without the lines
they erase (``oryx_core.input.erasure`` says which), so nothing of an erased user stays under ``data-dir``.

``historical_data`` runs this before anything reads the data, so the generation trains, evaluates and
publishes known items without the erased users, and the tombstones themselves leave the window they arrived
in. Stored outputs of earlier generations (their ``_<asset>/`` folders, e.g. the train/test split) were
derived from the erased lines too; no later generation reads them, so they are deleted rather than rewritten.

A window is rewritten so that a crash at any point loses nothing (a line is either in the old files or in the
new ones, never in neither):

1. the kept lines are written to ``<window>/_erasure/`` (Spark never reads a ``_`` folder as input);
2. the new files' names are recorded in ``<window>/_erasure.json``: from here on the rewrite is decided;
3. the old data files are deleted and the new ones moved into the window; then the record goes.

A run that finds a record finishes step 3 (``finish_rewrites``); one that finds ``_erasure/`` without a
record deletes it and starts over. Re-running a generation applies its requests again, which changes nothing.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from pyspark.sql import functions as F
from pyspark.sql.types import BooleanType

from oryx_assets.lambda_.input_window import LINE_STATS_FILE, read_line_stats
from oryx_assets.lambda_.storage import HadoopStorage, child_uri
from oryx_assets.lambda_.windows import read_window
from oryx_core.input.erasure import ERASE_INPUT_KEY, requested_erasures
from oryx_core.input.erasure_frames import erased_lines

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)

REWRITE_FOLDER = "_erasure"
REWRITE_RECORD = "_erasure.json"


def window_erasures(spark: SparkSession, window_path: str) -> dict[str, int]:
    """ID -> time erased up to, from the tombstones stored in one window (a bad one is counted and logged)."""
    rows = read_window(spark, window_path).filter(F.col("key") == ERASE_INPUT_KEY).select("value").collect()
    return requested_erasures((row["value"] for row in rows), log, "Batch layer erasures")


def erase_from_windows(
    spark: SparkSession, storage: HadoopStorage, names: list[str], erased: dict[str, int]
) -> dict[str, int]:
    """Rewrites each named window without tombstones and erased lines; window -> lines removed (0: untouched)."""
    return {name: _rewrite(spark, storage, name, erased) for name in names}


def drop_derived_outputs(storage: HadoopStorage, names: list[str]) -> list[str]:
    """Deletes the stored ``_<asset>/`` outputs of the named (earlier) generations; returns what was deleted."""
    deleted = []
    for name in names:
        for folder in storage.subfolders(name):
            if folder.startswith("_") and folder != REWRITE_FOLDER:
                storage.delete(f"{name}/{folder}")
                deleted.append(f"{name}/{folder}")
    return deleted


def finish_rewrites(storage: HadoopStorage, names: list[str]) -> None:
    """Completes a rewrite a crash interrupted after its record was written, or drops one interrupted before."""
    for name in names:
        if storage.exists(f"{name}/{REWRITE_RECORD}"):
            new_files = json.loads(storage.read_text(f"{name}/{REWRITE_RECORD}"))
            _swap(storage, name, new_files)
        elif storage.exists(f"{name}/{REWRITE_FOLDER}"):
            storage.delete(f"{name}/{REWRITE_FOLDER}")


def _rewrite(spark: SparkSession, storage: HadoopStorage, name: str, erased: dict[str, int]) -> int:
    lines = read_window(spark, child_uri(storage.uri, name))
    erased_line = F.pandas_udf(erased_lines(erased), BooleanType())  # type: ignore[call-overload]
    doomed = (F.col("key") == ERASE_INPUT_KEY) | erased_line(F.col("value"))
    doomed = F.coalesce(doomed, F.lit(False))
    count = lines.filter(doomed).count()
    if count == 0:
        return 0
    folder = f"{name}/{REWRITE_FOLDER}"
    lines.filter(~doomed).write.mode("overwrite").parquet(child_uri(storage.uri, folder))
    new_files = [file for file in storage.files(folder) if _is_data_file(file)]
    storage.write_text(f"{name}/{REWRITE_RECORD}", json.dumps(new_files))
    _swap(storage, name, new_files)
    _forget_in_line_stats(storage, name, erased, count)
    log.info("Erasure: removed %d line(s) from %s", count, child_uri(storage.uri, name))
    return count


def _swap(storage: HadoopStorage, name: str, new_files: list[str]) -> None:
    """Step 3 of the module doc; safe to repeat from any point."""
    keep = set(new_files)
    for file in storage.files(name):
        if _is_data_file(file) and file not in keep:
            storage.delete(f"{name}/{file}")
    waiting = set(storage.files(f"{name}/{REWRITE_FOLDER}"))
    for file in new_files:
        if file in waiting:
            storage.rename(f"{name}/{REWRITE_FOLDER}/{file}", f"{name}/{file}")
    storage.delete(f"{name}/{REWRITE_FOLDER}")
    storage.delete(f"{name}/{REWRITE_RECORD}")


def _forget_in_line_stats(storage: HadoopStorage, name: str, erased: dict[str, int], removed: int) -> None:
    """The window's stats lose the removed lines and any bad-line sample naming an erased ID."""
    stats = read_line_stats(storage, name)
    if stats is None:
        return
    stats.lines = max(0, stats.lines - removed)
    stats.bad_lines = min(stats.bad_lines, stats.lines)
    stats.samples = [(line, why) for line, why in stats.samples if not any(id_ in line for id_ in erased)]
    storage.write_text(f"{name}/{LINE_STATS_FILE}", stats.to_json())


def _is_data_file(name: str) -> bool:
    """What Spark reads as the window's lines: not ``_SUCCESS``, ``_offsets.json`` or a ``.crc`` checksum."""
    return not name.startswith(("_", "."))
