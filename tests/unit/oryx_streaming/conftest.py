"""A stand-in for one micro-batch's DataFrame: the speed tier only persists, counts, selects and collects it.

Building real DataFrames would need a JVM for every unit test; the integration test runs the same code on
real micro-batches from the real broker.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pyspark.sql import Row


class FakeBatch:
    """Rows with ``key``, ``value`` and ``timestamp`` columns, like the speed query's input."""

    def __init__(self, values: list[str | None]) -> None:
        self.rows = [Row(key=None, value=value, timestamp=None) for value in values]
        self.persisted = False
        self.unpersisted = False

    def persist(self) -> FakeBatch:
        self.persisted = True
        return self

    def unpersist(self) -> FakeBatch:
        self.unpersisted = True
        return self

    def count(self) -> int:
        return len(self.rows)

    def isEmpty(self) -> bool:  # noqa: N802 (pyspark's name)
        return not self.rows

    def select(self, *columns: str) -> FakeBatch:
        selected = FakeBatch([])
        selected.rows = [Row(**{c: row[c] for c in columns}) for row in self.rows]
        return selected

    def collect(self) -> list[Row]:
        return list(self.rows)


@pytest.fixture
def batch_of() -> Callable[..., FakeBatch]:
    """``batch_of("a b", "c")``: a fake micro-batch holding those input lines."""
    return lambda *values: FakeBatch(list(values))
