"""The MovieLens ratings as ALS input lines, for the ALS demo, the integration test and the benchmarks.

``ratings.csv`` (``userId,movieId,rating,timestamp`` with a header line, timestamps in epoch *seconds*)
becomes our ``user,item,strength,timestamp`` lines with timestamps in epoch *milliseconds*. The folder is
``datasets.default_movielens_dir()`` (``$ORYX_DATA_DIR`` or ``../shared/data``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from oryx_cli.demos.datasets import default_movielens_dir

__all__ = ["movielens_lines", "ratings_file"]

_HEADER = ["userId", "movieId", "rating", "timestamp"]


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
