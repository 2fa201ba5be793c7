"""Spark SQL text lives in ``<repo>/sql/``, one statement per file, so it can be read and reviewed as SQL.

From a checkout (or an editable install) the files are read there; a wheel installs the same files under
``<prefix>/share/oryx-py/sql/`` (``[tool.setuptools.data-files]`` in pyproject.toml), the fallback.

Statements take values only as named parameters (``:name``, passed as ``spark.sql(text, args=...)``) and
DataFrames only as ``{name}`` references that PySpark binds to temporary views, never by string formatting.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

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
