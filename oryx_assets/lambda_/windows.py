"""The data folder's layout, which retention, history and Oryx 2-style windows rely on, and reading it back.

Each generation's new input is one folder ``<data-dir>/generation=<ts>/`` of ``(key, value)`` Parquet lines,
complete once its offset range (``_offsets.json``) is written beside them. Spark reads the ``name=value``
folder name as a ``generation`` column and skips names starting with ``_`` or ``.``, so the IO manager keeps a
generation's other stored assets inside the same folder (``_<asset>/``): they are never read as input lines,
and retention deletes them with the window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from oryx_assets.lambda_.offsets import OFFSETS_FILE, SUCCESS_FILE
from oryx_assets.lambda_.retention import window_name, window_timestamp
from oryx_assets.lambda_.storage import HadoopStorage, child_uri
from oryx_assets.sql import run_sql

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

LINES_SCHEMA = "key string, value string"


def window_uri(data_dir: str, timestamp_ms: int) -> str:
    """The folder of one generation's input window (and of its other stored assets)."""
    return child_uri(data_dir, window_name(timestamp_ms))


def read_window(spark: SparkSession, path: str) -> DataFrame:
    """A stored window as ``(key, value)`` lines."""
    return spark.read.parquet(path).select("key", "value")


def window_is_complete(storage: HadoopStorage, name: str) -> bool:
    """The range record is written last, so only a folder that has it holds the whole window."""
    return storage.exists(f"{name}/{SUCCESS_FILE}") and storage.exists(f"{name}/{OFFSETS_FILE}")


def past_window_names(storage: HadoopStorage, timestamp_ms: int) -> list[str]:
    """The complete windows of generations before ``timestamp_ms`` (a half-written folder is not history)."""
    return [
        name
        for name in storage.child_dirs()
        if (ts := window_timestamp(name)) is not None and ts < timestamp_ms and window_is_complete(storage, name)
    ]


def read_past_data(spark: SparkSession, data_dir: str, names: list[str], timestamp_ms: int) -> DataFrame | None:
    """The ``(key, value)`` lines of the named windows older than ``timestamp_ms``; None when there are none."""
    if not names:
        return None
    windows = spark.read.option("basePath", data_dir).parquet(*(child_uri(data_dir, name) for name in names))
    return run_sql(spark, "lambda/past_input.sql", args={"generation": timestamp_ms}, windows=windows)
