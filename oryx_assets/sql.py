"""Spark SQL text lives in ``<repo>/sql/``, one statement per file, so it can be read and reviewed as SQL.

Statements take values only as named parameters (``:name``, passed as ``spark.sql(text, args=...)``) and
DataFrames only as ``{name}`` references that PySpark binds to temporary views, never by string formatting.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


@cache
def load_sql(relative_path: str) -> str:
    """The text of ``sql/<relative_path>``, e.g. ``load_sql("lambda/input_lines.sql")``."""
    path = SQL_DIR / relative_path
    if not path.is_file():
        raise FileNotFoundError(f"SQL file {relative_path!r} not found under {SQL_DIR}")
    return path.read_text("utf-8")
