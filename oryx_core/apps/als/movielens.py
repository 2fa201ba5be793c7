"""The MovieLens ratings as ALS input lines, for the integration test, the benchmark and the demo.

``ratings.csv`` (``userId,movieId,rating,timestamp`` with a header line, timestamps in epoch *seconds*)
becomes our ``user,item,strength,timestamp`` lines with timestamps in epoch *milliseconds*.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["DATA_DIR_ENV", "data_root", "default_movielens_dir", "movielens_lines", "ratings_file"]

DATA_DIR_ENV = "ORYX_DATA_DIR"
"""One variable for the demo, the tests and the benchmarks: the folder holding ``movielens-latest-small/``."""
_REPO = Path(__file__).resolve().parents[3]
_HEADER = ["userId", "movieId", "rating", "timestamp"]


def data_root() -> Path:
    """``$ORYX_DATA_DIR``, else ``../shared/data`` next to the repository (read in place, never copied)."""
    configured = os.environ.get(DATA_DIR_ENV)
    return Path(configured) if configured else _REPO.parent / "shared" / "data"


def default_movielens_dir() -> Path:
    return data_root() / "movielens-latest-small"


def ratings_file(directory: Path | None = None) -> Path:
    return (directory if directory is not None else default_movielens_dir()) / "ratings.csv"


def movielens_lines(ratings_csv: Path) -> Iterator[str]:
    """One ``user,item,rating,timestampMs`` line per rating, in file order; ValueError naming a bad row."""
    with ratings_csv.open(newline="", encoding="utf-8") as file:
        rows = csv.reader(file)
        header = next(rows, None)
        if header != _HEADER:
            raise ValueError(f"{ratings_csv}: expected the header {','.join(_HEADER)}, got {header}")
        for number, row in enumerate(rows, start=2):
            if len(row) != 4:
                raise ValueError(f"{ratings_csv} line {number}: expected 4 fields, got {row}")
            user, movie, rating, seconds = row
            try:
                millis = int(seconds) * 1000
                float(rating)
            except ValueError:
                raise ValueError(f"{ratings_csv} line {number}: bad rating or timestamp in {row}") from None
            yield f"{user},{movie},{rating},{millis}"
