"""Spark SQL text lives in ``<repo>/sql/``, one statement per file, so it can be read and reviewed as SQL.

From a checkout (or an editable install) the files are read there; a wheel installs the same files under
``<prefix>/share/oryx-py/sql/`` (``[tool.setuptools.data-files]`` in pyproject.toml), the fallback.

Statements take values only as named parameters (``:name``, passed as ``args``) and DataFrames only as
``{name}`` references bound to temporary views (``run_sql``), never by string formatting of values.

Why ``run_sql`` and not ``spark.sql(text, name=frame)``: PySpark binds such a frame to a temporary view and
drops the view after the query through ``Catalog.dropTempView``, which *uncaches* the frame (Spark uncaches a
dropped view's plan, cascading). Every ``cache()`` of a frame later passed to a SQL file was undone at once,
so each use computed it again: a generation's training strengths were aggregated five times. ``run_sql`` drops
its views from the session catalog only, leaving the cache alone (``tests/unit/oryx_assets/test_sql_files.py``).
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

CHECKOUT_SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
INSTALLED_SQL_DIR = Path(sys.prefix) / "share" / "oryx-py" / "sql"


def sql_dirs() -> tuple[Path, ...]:
    """Where SQL files are looked for, in order: the checkout's ``sql/``, then a wheel's installed copy."""
    return (CHECKOUT_SQL_DIR, INSTALLED_SQL_DIR)


@cache
def load_sql(relative_path: str) -> str:
    """The text of ``sql/<relative_path>``, e.g. ``load_sql("lambda/input_lines.sql")``."""
    for folder in sql_dirs():
        path = folder / relative_path
        if path.is_file():
            return path.read_text("utf-8")
    raise FileNotFoundError(
        f"SQL file {relative_path!r} not found under {' or '.join(str(folder) for folder in sql_dirs())}"
    )


def run_sql(
    spark: SparkSession, relative_path: str, args: Mapping[str, Any] | None = None, **frames: DataFrame
) -> DataFrame:
    """The statement of ``sql/<relative_path>`` with ``:name`` bound from ``args`` and ``{name}`` from ``frames``.

    Each frame is a temporary view while the statement is analysed (eagerly, so the result no longer needs it);
    the views are then removed from the session catalog without uncaching the frames (see the module doc).
    """
    views = {name: f"_oryx_{uuid.uuid4().hex}" for name in frames}
    for name, frame in frames.items():
        frame.createOrReplaceTempView(views[name])
    try:
        return spark.sql(load_sql(relative_path).format(**views), args=dict(args) if args else None)
    finally:
        session_catalog = spark._jsparkSession.sessionState().catalog()  # not Catalog.dropTempView: it uncaches
        for view in views.values():
            session_catalog.dropTempView(view)
