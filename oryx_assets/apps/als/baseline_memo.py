"""The most-popular baseline's figures, computed once per generation instead of once per candidate.

Every candidate of a generation is scored on the same test positives against the same training pairs, and the
most-popular baseline depends on nothing else: its AUC and top-10 lists cost as much as the candidate's own
(about half of an implicit evaluation), so with the default eight candidates seven of them were spent again on
identical figures. :class:`BaselineMemo` keeps them per *content* of those inputs: a fingerprint of the training
pairs and of the positives (row count and a sum of 64-bit hashes of ``(user, item)``, one Spark pass each, both
in one job). A candidate whose positives differ (say, an ID missing from its vectors) gets a different
fingerprint and its own baseline, so a reused figure is always the one the candidate would have computed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from pyspark.sql import functions as F

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

T = TypeVar("T")
Fingerprint = tuple[int, int, int, int, int]

MAX_ENTRIES = 4
"""Generations the memo remembers: one app instance serves one run, so one entry is the usual need."""


def _pair_summary(frame: DataFrame, prefix: str) -> DataFrame:
    """One row: how many ``(user, item)`` rows ``frame`` has, and the sum of their hashes (order-free)."""
    hashes = F.xxhash64("user", "item")
    return frame.select(
        F.count(F.lit(1)).alias(f"{prefix}_rows"),
        F.coalesce(F.sum(hashes.cast("decimal(38,0)")), F.lit(0)).alias(f"{prefix}_hash"),
    )


def pair_fingerprint(positives: DataFrame, train: DataFrame, seed: int) -> Fingerprint:
    """What the baseline's figures depend on, by content: the positives, the training pairs and the seed."""
    [row] = _pair_summary(positives, "p").crossJoin(_pair_summary(train, "t")).collect()
    # The hash sums are exact decimals (no 64-bit overflow); a Python int keeps them exact in the key.
    return (int(row["p_rows"]), int(row["p_hash"]), int(row["t_rows"]), int(row["t_hash"]), int(seed))


class BaselineMemo:
    """Baseline figures by fingerprint, safe for candidates scored in parallel threads (a race computes twice,
    with the same result)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._figures: OrderedDict[Fingerprint, object] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries
        self.computed = 0
        """How many times a baseline was computed (the rest were reused): shown in tests and logs."""

    def get(self, key: Fingerprint, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._figures:
                self._figures.move_to_end(key)
                return self._figures[key]  # type: ignore[return-value]
        figures = compute()
        with self._lock:
            self.computed += 1
            self._figures[key] = figures
            while len(self._figures) > self._max_entries:
                self._figures.popitem(last=False)
        return figures
