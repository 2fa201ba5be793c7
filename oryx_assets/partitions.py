"""A generation is one run of the batch layer, named by its start time, as Oryx 2 names its data folders.

Generations start at a configured interval rather than on calendar boundaries, so they are dynamic
partitions: the sensor (or ``python -m oryx_assets``) adds one key per generation, the start time in epoch
milliseconds, and every generation asset is materialized once per key.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from dagster import AssetChecksDefinition, DynamicPartitionsDefinition, PreviewWarning, asset_check

generations = DynamicPartitionsDefinition(name="generations")


def generation_key(timestamp_ms: int) -> str:
    return str(timestamp_ms)


def generation_timestamp(partition_key: str) -> int:
    """The generation's start time; the key must be epoch milliseconds as written by ``generation_key``."""
    if not partition_key.isdigit():
        raise ValueError(f"generation partition key must be epoch milliseconds, got {partition_key!r}")
    return int(partition_key)


def generation_check(**kwargs: Any) -> Callable[[Callable[..., Any]], AssetChecksDefinition]:
    """``@asset_check`` partitioned by generation, so each generation's check judges that generation's data.

    Without a partitions definition, a check of a partitioned asset is handed every partition's value at
    once. Partitioned checks are marked preview in Dagster 1.13; the dependency is pinned and the asset-graph
    snapshot test pins the checks, so the preview warning is silenced here, knowingly, rather than printed on
    every load of the code location.
    """

    def decorate(fn: Callable[..., Any]) -> AssetChecksDefinition:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PreviewWarning)
            return asset_check(partitions_def=generations, **kwargs)(fn)

    return decorate
