"""The batch layer's external systems as Dagster resources, all configured from one Oryx HOCON configuration.

``OryxConfigResource`` is the single source of settings; the Kafka and Spark resources are derived from it by
``oryx_assets.wiring.build_resources`` so that tests, the CLI and the Dagster UI wire the layer the same way.
"""

from __future__ import annotations

import hashlib
import os
import sys
from typing import Any

from dagster import ConfigurableResource
from dagster_pyspark import LazyPySparkResource
from pydantic import Field, PrivateAttr

from oryx_core.config import OryxConfig, TopicSettings, load_config, topic_settings
from oryx_core.spark import spark_settings
from oryx_core.topics.consumer import InputTopicReader
from oryx_core.topics.model_generation import generation_headers
from oryx_core.topics.producer import TopicProducer

CONF_ENV = "ORYX_CONF"


class OryxConfigResource(ConfigurableResource):
    """The effective Oryx configuration: reference defaults < ``conf_file`` (default ``$ORYX_CONF``) < overrides."""

    conf_file: str | None = None
    overrides: list[str] = Field(default_factory=list)
    _config: OryxConfig | None = PrivateAttr(default=None)

    def load(self) -> OryxConfig:
        if self._config is None:
            conf_file = self.conf_file if self.conf_file is not None else os.environ.get(CONF_ENV) or None
            self._config = load_config(conf_file, self.overrides)
        return self._config


def batch_group_id(config: OryxConfig) -> str:
    """Oryx 2's consumer group ``OryxGroup-BatchLayer-<oryx.id>``, which records what has been stored.

    Oryx 2 used a random group when ``oryx.id`` is unset, which worked because its streaming job kept one
    consumer for the life of the process. Here every generation is its own run (often its own process), so
    a random group would re-read the whole topic each generation; the fallback is instead named after the
    data folder, since the committed offsets describe exactly what that folder holds.
    """
    oryx_id = config.get_optional_string("oryx.id")
    if oryx_id is None:
        data_dir = config.get_string("oryx.batch.storage.data-dir")
        oryx_id = "data-" + hashlib.sha1(data_dir.encode("utf-8")).hexdigest()[:12]
    return f"OryxGroup-BatchLayer-{oryx_id}"


class KafkaResource(ConfigurableResource):
    """The input topic's offset-tracked reader and the update topic's producer."""

    oryx: OryxConfigResource

    @property
    def topics(self) -> TopicSettings:
        return topic_settings(self.oryx.load())

    def input_reader(self) -> InputTopicReader:
        """A reader in the batch layer's consumer group; close it when done."""
        topics = self.topics
        return InputTopicReader(topics.input_broker, topics.input_topic, batch_group_id(self.oryx.load()))

    def update_producer(self, generation: int | None = None) -> TopicProducer | None:
        """None when the update topic or broker is null: Oryx 2 then builds models without publishing them.

        Every model message names ``generation`` in a header, so followers can tell a roll back from a new
        generation (``oryx_core.topics.model_generation``)."""
        topics = self.topics
        if not topics.publishes_updates:
            return None
        assert topics.update_broker is not None and topics.update_topic is not None
        return TopicProducer(
            topics.update_broker,
            topics.update_topic,
            max_message_bytes=topics.max_message_bytes,
            model_headers=generation_headers(generation),
        )


def batch_app_name(config: OryxConfig) -> str:
    return f"OryxBatchLayer-{config.get_optional_string('oryx.id') or 'default'}"


def batch_spark_resource(config: OryxConfig) -> LazyPySparkResource:
    """dagster-pyspark's lazy session with ``oryx.batch.streaming.*`` applied as oryx-run.sh would.

    The session starts on first use, so runs that never touch Spark (and loading the code location) stay
    cheap. Spark's Python workers must run this interpreter, or they pick a system python3 without our
    packages; the variable has to be set before the JVM starts, which is at first use.
    """
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    settings: dict[str, Any] = spark_settings(config, "batch", batch_app_name(config))
    return LazyPySparkResource(spark_config=settings)
