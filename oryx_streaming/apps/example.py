"""The word-count example's speed layer (Oryx 2's ``ExampleSpeedModelManager``).

It keeps the batch layer's last ``MODEL`` (word -> number of distinct other words it was seen with), adds each
micro-batch's new co-occurrence counts to it and publishes ``word,new_total`` as ``UP`` for every word the batch
mentions. Like Oryx 2's example this is an approximation: a pair of words seen again is counted again until the
next batch model replaces the running totals.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from oryx_core.apps.example.words import count_distinct_other_words, format_update, merge_counts, model_from_json
from oryx_core.config import OryxConfig
from oryx_core.topics.messages import MODEL, UP

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

log = logging.getLogger(__name__)


class ExampleSpeedModelManager:
    """Word co-occurrence counts, replaced on ``MODEL`` and advanced by each micro-batch."""

    def __init__(self, config: OryxConfig | None = None) -> None:
        del config  # the example has no settings of its own; the argument keeps Oryx 2's preferred constructor
        self._lock = threading.Lock()
        # Oryx 2's example starts from an empty map, so the speed layer can publish before any batch model exists.
        self._counts: dict[str, int] = {}

    def consume_key_message(self, key: str | None, message: str) -> None:
        if key == MODEL:
            counts = model_from_json(message)
            with self._lock:
                self._counts = counts
            log.info("Loaded example model with %d words", len(counts))
        elif key == UP:
            # Its own (and nobody else's) updates would double count: the running totals already include them.
            return
        else:
            log.debug("Example speed layer ignores %s messages", key)

    def build_updates(self, new_data: DataFrame) -> Iterable[str]:
        """``word,total`` for each word of the micro-batch.

        The batch's lines are collected to the driver: a speed-layer micro-batch holds a few seconds of input,
        and the merge must happen against the single in-driver model anyway.
        """
        lines = [row["value"] for row in new_data.select("value").collect() if row["value"] is not None]
        new_counts = count_distinct_other_words(lines)
        with self._lock:
            self._counts = merge_counts(self._counts, new_counts)
            totals = {word: self._counts[word] for word in new_counts}
        return [format_update(word, total) for word, total in sorted(totals.items())]

    def counts(self) -> dict[str, int]:
        """A copy of the current running totals (for monitoring and tests)."""
        with self._lock:
            return dict(self._counts)

    def close(self) -> None:
        """Nothing to release; present because the speed layer closes every manager on shutdown."""
