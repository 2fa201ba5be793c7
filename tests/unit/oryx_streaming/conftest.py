"""A stand-in for one micro-batch's DataFrame: the speed tier only persists, summarises, selects and collects it.

Building real DataFrames would need a JVM for every unit test; the integration test runs the same code on
real micro-batches from the real broker.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pyspark.sql import Row

from oryx_streaming.lambda_.batches import SUMMARY_COLUMNS


class FakeBatch:
    """Rows with ``key``, ``value`` and ``timestamp`` (epoch ms here; a Spark timestamp in the real query)."""

    def __init__(self, values: list[str | None], timestamps_ms: list[int] | None = None) -> None:
        stamps = timestamps_ms or [None] * len(values)
        self.rows = [Row(key=None, value=value, timestamp=ts) for value, ts in zip(values, stamps, strict=True)]
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

    def selectExpr(self, *expressions: str) -> FakeBatch:  # noqa: N802 (pyspark's name)
        """Only the publisher's one summary aggregation is understood; anything else is a test bug."""
        assert expressions == SUMMARY_COLUMNS, expressions
        stamps = [row["timestamp"] for row in self.rows if row["timestamp"] is not None]
        summary = FakeBatch([])
        summary.rows = [
            Row(
                rows=len(self.rows),
                first_ms=min(stamps, default=None),
                last_ms=max(stamps, default=None),
                erasures=0,  # a fake batch holds input lines only (keys are None)
            )
        ]
        return summary

    def first(self) -> Row | None:
        return self.rows[0] if self.rows else None


@pytest.fixture
def batch_of() -> Callable[..., FakeBatch]:
    """``batch_of("a b", "c", timestamps_ms=[...])``: a fake micro-batch holding those input lines."""
    return lambda *values, timestamps_ms=None: FakeBatch(list(values), timestamps_ms)
