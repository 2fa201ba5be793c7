"""The word-count example's serving model: word -> count of distinct co-occurring words."""

from __future__ import annotations

import threading
from collections.abc import Mapping


class ExampleServingModel:
    """Thread-safe: the update follower writes while request threads read."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        self._lock = threading.Lock()
        self._counts = dict(counts)

    def get_fraction_loaded(self) -> float:
        """A MODEL carries the whole map at once, so a model that exists is fully loaded."""
        return 1.0

    def get_count(self, word: str) -> int | None:
        with self._lock:
            return self._counts.get(word)

    def get_words(self) -> dict[str, int]:
        """A snapshot copy, so callers can iterate while updates arrive."""
        with self._lock:
            return dict(self._counts)

    def set_count(self, word: str, count: int) -> None:
        with self._lock:
            self._counts[word] = count

    def __len__(self) -> int:
        with self._lock:
            return len(self._counts)
