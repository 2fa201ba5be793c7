"""Batch-layer app interface: Oryx 2's ``BatchLayerUpdate``.

Apps receive Spark DataFrames but this module never imports pyspark at run time, so ``oryx_core`` stays free
of the Spark dependency for the serving layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from oryx_core.topics.producer import TopicProducer


@runtime_checkable
class BatchLayerUpdate(Protocol):
    """Builds and publishes a model from one generation's data.

    ``new_data`` and ``past_data`` have columns ``key`` (string, may be null) and ``value`` (the input line).
    ``past_data`` is None on the first generation. ``producer`` writes to the update topic and is None when
    publishing is turned off (no update topic configured).
    """

    def run_update(
        self,
        spark: SparkSession,
        timestamp_ms: int,
        new_data: DataFrame,
        past_data: DataFrame | None,
        model_dir: str,
        producer: TopicProducer | None,
    ) -> dict[str, object]:
        """Returns metadata worth showing an operator (counts, sizes, paths); may be empty."""
        ...
