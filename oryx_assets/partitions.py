"""A generation is one run of the batch layer, named by its start time, as Oryx 2 names its data folders.

Generations start at a configured interval rather than on calendar boundaries, so they are dynamic
partitions: the sensor (or ``python -m oryx_assets``) adds one key per generation, the start time in epoch
milliseconds, and every generation asset is materialized once per key.
"""

from __future__ import annotations

from dagster import DynamicPartitionsDefinition

generations = DynamicPartitionsDefinition(name="generations")


def generation_key(timestamp_ms: int) -> str:
    return str(timestamp_ms)


def generation_timestamp(partition_key: str) -> int:
    """The generation's start time; the key must be epoch milliseconds as written by ``generation_key``."""
    if not partition_key.isdigit():
        raise ValueError(f"generation partition key must be epoch milliseconds, got {partition_key!r}")
    return int(partition_key)
