"""Every resource the generation assets ask for, built from one Oryx configuration.

Tests, the CLI and the Dagster UI all wire the batch layer with :func:`build_resources`, so they run the same
resources: the configuration, Kafka, the lazy Spark session, the run's app and settings, and the IO manager
that stores each generation's DataFrames.
"""

from __future__ import annotations

from typing import Any

from oryx_assets.app_resource import BatchAppResource
from oryx_assets.io_managers import GenerationParquetIOManager
from oryx_assets.resources import KafkaResource, OryxConfigResource, batch_spark_resource


def build_resources(oryx: OryxConfigResource) -> dict[str, Any]:
    """The resources keyed by the parameter names the assets use (and the IO manager key they name)."""
    spark = batch_spark_resource(oryx.load())
    return {
        "oryx": oryx,
        "kafka": KafkaResource(oryx=oryx),
        "spark": spark,
        "batch": BatchAppResource(oryx=oryx),
        "generation_io_manager": GenerationParquetIOManager(oryx=oryx, spark=spark),
    }
