"""The erasure rule over a column of lines, for the layers that filter Spark DataFrames (batch and speed).

Spark runs it as a *pandas* UDF: a plain Python UDF over a Parquet scan crashed Spark 4's Python worker on this
stack (the task hung; the same filter as a pandas UDF ran in 3 s). Spark reads a pandas UDF's kind from its
type hints, so pandas is imported for real here, in a module of its own that serving never loads.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from oryx_core.input.erasure import is_erased


def erased_lines(erased: dict[str, int]) -> Callable[[pd.Series], pd.Series]:
    """A Series -> Series function: True for each line ``erased`` removes (``erasure.is_erased``)."""

    def erased_of(lines: pd.Series) -> pd.Series:
        return lines.map(lambda line: line is not None and is_erased(line, erased)).astype(bool)

    return erased_of
