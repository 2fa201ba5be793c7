"""The word-count example's model state, shared by its speed manager and serving (Oryx 2's two example managers).

``MODEL`` (or the file a ``MODEL-REF`` names) is the batch layer's whole JSON map and replaces the counts; ``UP``
is ``word,count`` and sets that word's count, in serving. The speed layer ignores ``UP`` (its running totals
already hold its own updates) and starts from an empty map, so it publishes before any batch model exists, as
Oryx 2's ``ExampleSpeedModelManager`` does; serving has no model until the first ``MODEL``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from oryx_core.api.model_state import ModelState
from oryx_core.apps.example.words import model_from_json, parse_update
from oryx_core.config import OryxConfig
from oryx_core.topics.model_messages import model_dir_of


class WordCounts:
    """word -> count of distinct co-occurring words; thread-safe, as the follower writes while others read."""

    def __init__(self, counts: Mapping[str, int] | None = None) -> None:
        self._lock = threading.Lock()
        self._counts = dict(counts or {})

    def get_count(self, word: str) -> int | None:
        with self._lock:
            return self._counts.get(word)

    def snapshot(self) -> dict[str, int]:
        """A copy, so callers can iterate while updates arrive."""
        with self._lock:
            return dict(self._counts)

    def set_count(self, word: str, count: int) -> None:
        with self._lock:
            self._counts[word] = count

    def add(self, new_counts: Mapping[str, int]) -> dict[str, int]:
        """Adds new co-occurrence counts (the speed layer's approximation, as in Oryx 2); the new totals."""
        with self._lock:
            for word, count in new_counts.items():
                self._counts[word] = self._counts.get(word, 0) + count
            return {word: self._counts[word] for word in new_counts}

    def __len__(self) -> int:
        with self._lock:
            return len(self._counts)


class ExampleState(ModelState[WordCounts]):
    app = "example"

    @classmethod
    def from_config(cls, config: OryxConfig | None, *, apply_updates: bool, start_empty: bool = False) -> ExampleState:
        model_dir = None if config is None else model_dir_of(config)
        return cls(model_dir, apply_updates=apply_updates, initial=WordCounts() if start_empty else None)

    def parse_model(self, text: str) -> WordCounts:
        return WordCounts(model_from_json(text))

    def apply_update(self, model: WordCounts, message: str) -> WordCounts:
        word, count = parse_update(message)
        model.set_count(word, count)
        return model

    def describe(self, model: WordCounts) -> str:
        return f"{len(model)} words"
