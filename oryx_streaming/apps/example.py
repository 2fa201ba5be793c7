"""The word-count example's speed layer (Oryx 2's ``ExampleSpeedModelManager``).

It keeps the batch layer's last ``MODEL`` (word -> number of distinct other words it was seen with), adds each
micro-batch's new co-occurrence counts to it and publishes ``word,new_total`` as ``UP`` for every word the batch
mentions. Like Oryx 2's example this is an approximation: a pair of words seen again is counted again until the
next batch model replaces the running totals.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from oryx_core.apps.example.state import ExampleState
from oryx_core.apps.example.words import count_distinct_other_words, format_update
from oryx_core.config import OryxConfig

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

log = logging.getLogger(__name__)


class ExampleSpeedModelManager:
    """Word co-occurrence counts (the example's shared state), replaced on ``MODEL`` and advanced by each
    micro-batch; ``UP`` messages, its own included, are ignored: the running totals already hold them."""

    def __init__(self, config: OryxConfig | None = None) -> None:
        # Oryx 2's example starts from an empty map, so the speed layer can publish before any batch model exists.
        self.state = ExampleState.from_config(config, apply_updates=False, start_empty=True)

    def consume_key_message(self, key: str | None, message: str) -> None:
        self.state.consume_key_message(key, message)

    def build_updates(self, new_data: DataFrame) -> Iterable[str]:
        """``word,total`` for each word of the micro-batch.

        The batch's lines are collected to the driver: a speed-layer micro-batch holds a few seconds of input,
        and the merge must happen against the single in-driver model anyway.
        """
        lines = [row["value"] for row in new_data.select("value").collect() if row["value"] is not None]
        counts = self.state.model
        if counts is None:  # closed
            return []
        totals = counts.add(count_distinct_other_words(lines))
        return [format_update(word, total) for word, total in sorted(totals.items())]

    def counts(self) -> dict[str, int]:
        """A copy of the current running totals (for monitoring and tests)."""
        counts = self.state.model
        return {} if counts is None else counts.snapshot()

    def close(self) -> None:
        """Nothing to release; present because the speed layer closes every manager on shutdown."""
