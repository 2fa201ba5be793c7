"""The word-count example's serving model: the endpoints' view of the shared word counts."""

from __future__ import annotations

from collections.abc import Mapping

from oryx_core.apps.example.state import WordCounts


class ExampleServingModel:
    """Reads the state's ``WordCounts`` (thread-safe: the update follower writes while request threads read)."""

    def __init__(self, counts: WordCounts | Mapping[str, int]) -> None:
        self._counts = counts if isinstance(counts, WordCounts) else WordCounts(counts)

    def get_fraction_loaded(self) -> float:
        """A MODEL carries the whole map at once, so a model that exists is fully loaded."""
        return 1.0

    def get_count(self, word: str) -> int | None:
        return self._counts.get_count(word)

    def get_words(self) -> dict[str, int]:
        """A snapshot copy, so callers can iterate while updates arrive."""
        return self._counts.snapshot()

    def set_count(self, word: str, count: int) -> None:
        self._counts.set_count(word, count)

    def __len__(self) -> int:
        return len(self._counts)
