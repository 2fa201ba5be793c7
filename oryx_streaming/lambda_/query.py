"""The speed layer's one streaming query: Kafka input topic -> ``foreachBatch`` -> ``UP`` on the update topic.

Where Oryx 2 ran a Spark Streaming direct stream with the consumer group ``OryxGroup-SpeedLayer-<oryx.id>``,
Structured Streaming keeps the offsets in its checkpoint instead: ``startingOffsets`` (Oryx 2's
``auto.offset.reset=latest``) only applies when the checkpoint is new, and a restart resumes exactly where the
last committed batch ended. One query name and one checkpoint per deployment and app:
``oryx-speed-<app>`` under ``<state>/checkpoints/<oryx.id or default>/``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from oryx_core.config import ConfigError, OryxConfig, state_dir, topic_settings

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.streaming import StreamingQuery

INTERVAL_KEY = "oryx.speed.streaming.generation-interval-sec"
CHECKPOINT_KEY = "oryx.speed.streaming.checkpoint-dir"
MAX_OFFSETS_KEY = "oryx.speed.streaming.max-offsets-per-trigger"
_MANAGER_SUFFIX = "SpeedModelManager"
GROUP_PREFIX = "OryxGroup-SpeedLayer"
"""Of the update-topic consumer group (a fresh ``<prefix>-<uuid>`` per process, as Oryx 2's speed layer named it)."""
FOLLOWER_THREAD = "oryx-speed-model-follower"


def app_name(manager_class: type | str) -> str:
    """``ExampleSpeedModelManager`` -> ``example``, ``ALSSpeedModelManager`` -> ``als``; Java names work too."""
    name = manager_class if isinstance(manager_class, str) else manager_class.__name__
    name = name.rsplit(".", 1)[-1]
    if name.endswith(_MANAGER_SUFFIX) and len(name) > len(_MANAGER_SUFFIX):
        name = name[: -len(_MANAGER_SUFFIX)]
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "app"


def query_name(manager_class: type | str) -> str:
    return f"oryx-speed-{app_name(manager_class)}"


def checkpoint_location(config: OryxConfig, name: str) -> str:
    """``oryx.speed.streaming.checkpoint-dir`` when set, else ``<state>/checkpoints/<oryx.id|default>/<name>``."""
    configured = config.get_optional_string(CHECKPOINT_KEY)
    if configured:
        return configured
    oryx_id = config.get_optional_string("oryx.id") or "default"
    return str(Path(state_dir()) / "checkpoints" / oryx_id / name)


def transactional_id(config: OryxConfig, name: str) -> str:
    """The Kafka ``transactional.id`` of the query's update producer: one per deployment (``oryx.id``) and query.

    Stable across restarts on purpose: the restarted process's producer fences the dead one and aborts the
    transaction it left open.
    """
    oryx_id = config.get_optional_string("oryx.id") or "default"
    return f"OryxSpeedLayer-{oryx_id}-{name}"


def trigger_interval(config: OryxConfig) -> str:
    """The processing-time trigger, in whole milliseconds so fractional seconds (``0.5``) are exact."""
    millis = max(1, round(config.get_float(INTERVAL_KEY) * 1000))
    return f"{millis} milliseconds"


def max_offsets_per_trigger(config: OryxConfig) -> int | None:
    """``oryx.speed.streaming.max-offsets-per-trigger``: None (no cap) or a positive record count."""
    if config.get_optional_string(MAX_OFFSETS_KEY) is None:
        return None
    value = config.get_int(MAX_OFFSETS_KEY)
    if value <= 0:
        raise ConfigError(MAX_OFFSETS_KEY, f"must be a positive number of records, got {value}")
    return value


def input_stream(
    spark: SparkSession, config: OryxConfig, *, starting_offsets: str = "latest", group_prefix: str | None = None
) -> DataFrame:
    """The input topic as a stream of ``key``, ``value`` (strings) and the Kafka ``timestamp``."""
    topics = topic_settings(config)
    oryx_id = config.get_optional_string("oryx.id") or "default"
    reader = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", topics.input_broker)
        .option("subscribe", topics.input_topic)
        .option("startingOffsets", starting_offsets)
        # Input retention can delete data a stopped speed layer never read; Oryx 2 carried on, and so do we.
        .option("failOnDataLoss", "false")
        .option("groupIdPrefix", group_prefix or f"OryxGroup-SpeedLayer-{oryx_id}")
    )
    max_offsets = max_offsets_per_trigger(config)
    if max_offsets is not None:
        reader = reader.option("maxOffsetsPerTrigger", str(max_offsets))
    return reader.load().selectExpr("CAST(key AS STRING) AS key", "CAST(value AS STRING) AS value", "timestamp")


def start_query(
    spark: SparkSession,
    config: OryxConfig,
    handler: Callable[[DataFrame, int], None],
    *,
    name: str,
    checkpoint: str,
    starting_offsets: str = "latest",
) -> StreamingQuery:
    """Starts the query; ``handler`` (a :class:`~oryx_streaming.lambda_.batches.BatchPublisher`) runs per batch."""
    return (
        input_stream(spark, config, starting_offsets=starting_offsets)
        .writeStream.queryName(name)
        .foreachBatch(handler)
        .trigger(processingTime=trigger_interval(config))
        .option("checkpointLocation", checkpoint)
        .start()
    )
