"""The k-means speed layer (Oryx 2's ``KMeansSpeedModelManager``): new points move their nearest centers.

It loads the batch layer's ``MODEL`` (or the file a ``MODEL-REF`` names, read only from inside
``oryx.batch.storage.model-dir``), checked against ``oryx.input-schema``. For each micro-batch it assigns the new
points to their nearest centers and moves each touched center to the exact running mean
``c' = c + n/(N+n)·(m − c)``, ``N' = N + n``, publishing ``UP [id, c', N']`` (spec 4.2). It keeps its own
updated copy in the shared k-means state (``oryx_core.apps.kmeans.state``, built with ``apply_updates=False``)
and ignores ``UP`` messages, its own included, which would otherwise be applied twice. A micro-batch
that arrives before any model produces no updates, as in Oryx 2. Bad lines are counted and logged, never fatal.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from oryx_core.apps.kmeans.clusters import KMeansModel
from oryx_core.apps.kmeans.messages import format_update
from oryx_core.apps.kmeans.points import parse_point
from oryx_core.apps.kmeans.state import KMeansState
from oryx_core.config import OryxConfig
from oryx_core.input.lines import BadLineCounter, BadLineError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

log = logging.getLogger(__name__)


class KMeansSpeedModelManager:
    """The current centers and counts, replaced on ``MODEL`` and advanced by each micro-batch."""

    def __init__(self, config: OryxConfig) -> None:
        self.state = KMeansState.from_config(config, apply_updates=False)
        self.schema = self.state.schema

    def consume_key_message(self, key: str | None, message: str) -> None:
        self.state.consume_key_message(key, message)

    def parse_points(self, lines: Iterable[str | None]) -> list[list[float]]:
        """The good lines' points; bad ones are counted and logged once per batch."""
        counter = BadLineCounter()
        points = []
        for line in lines:
            if line is None:
                counter.record("", "null value")
                continue
            try:
                points.append(parse_point(self.schema, line))
            except BadLineError as error:
                counter.record(line, error.reason)
            except ValueError as error:
                counter.record(line, str(error))
        counter.log_summary(log, "k-means speed batch")
        return points

    def update_with(self, lines: Iterable[str | None]) -> list[str]:
        """The ``UP`` messages for these input lines, after moving this manager's own centers."""
        points = self.parse_points(lines)
        if not points:
            return []
        updates = self.state.advance(points)
        if updates is None:
            log.info("No k-means model yet: %d new points produce no updates", len(points))
            return []
        return [format_update(update) for update in updates]

    def build_updates(self, new_data: DataFrame) -> Iterable[str]:
        """``[id, center, count]`` for each cluster the micro-batch touched.

        The batch's lines are collected to the driver: a micro-batch holds a few seconds of input, and the
        running means must be applied to the single in-driver model anyway.
        """
        return self.update_with(row["value"] for row in new_data.select("value").collect())

    def model(self) -> KMeansModel | None:
        """The current model (immutable; for monitoring and tests)."""
        return self.state.model

    def close(self) -> None:
        """Nothing to release; present because the speed layer closes every manager on shutdown."""
