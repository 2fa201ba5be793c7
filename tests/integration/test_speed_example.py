"""The speed layer end to end on the real broker and Spark: input lines in, the example's UP updates out.

The query is built in-process with the same functions ``python -m oryx_streaming`` uses, reading the input topic
from the earliest offset so the lines produced before it starts form its first micro-batch.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from oryx_core.config import OryxConfig, load_config
from oryx_core.spark import build_spark_session
from oryx_core.topics.consumer import UpdateTopicConsumer
from oryx_core.topics.messages import MODEL, UP, KeyMessage
from oryx_core.topics.producer import TopicProducer
from oryx_streaming.apps.example import ExampleSpeedModelManager
from oryx_streaming.lambda_.batches import MARKER_FILE, BatchPublisher, marker_path
from oryx_streaming.lambda_.model_follower import GROUP_PREFIX, ModelFollower
from oryx_streaming.lambda_.query import query_name, start_query

BATCH_MODEL = '{"a":5,"z":1}'


@pytest.fixture(scope="module")
def spark_speed(kafka_brokers: str) -> Iterator[SparkSession]:
    config = load_config(
        None,
        [
            "oryx.speed.streaming.master=local[2]",
            'oryx.speed.streaming.config."spark.ui.enabled"=false',
            'oryx.speed.streaming.config."spark.sql.shuffle.partitions"=2',
        ],
    )
    spark = build_spark_session(config, "speed", app_name="OryxSpeedLayer-test")
    yield spark
    spark.stop()


@pytest.fixture
def config(kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path) -> OryxConfig:
    input_topic, update_topic = fresh_topics
    return load_config(
        None,
        [
            f"oryx.id=speed-test-{uuid.uuid4().hex[:8]}",
            f"oryx.input-topic.broker={kafka_brokers}",
            f"oryx.input-topic.message.topic={input_topic}",
            f"oryx.update-topic.broker={kafka_brokers}",
            f"oryx.update-topic.message.topic={update_topic}",
            "oryx.speed.model-manager-class=com.cloudera.oryx.example.speed.ExampleSpeedModelManager",
            "oryx.speed.streaming.generation-interval-sec=1",
            f"oryx.speed.streaming.checkpoint-dir={tmp_path}/checkpoint",
        ],
    )


def send_input(config: OryxConfig, lines: list[str]) -> None:
    brokers = config.get_string("oryx.input-topic.broker")
    with TopicProducer(brokers, config.get_string("oryx.input-topic.message.topic")) as producer:
        for line in lines:
            producer.send(None, line)
        producer.flush()


def send_model(config: OryxConfig, model_json: str) -> None:
    brokers = config.get_string("oryx.update-topic.broker")
    with TopicProducer(brokers, config.get_string("oryx.update-topic.message.topic")) as producer:
        producer.send_sync(MODEL, model_json)


def update_consumer(config: OryxConfig, group_prefix: str = "OryxGroup-Test") -> UpdateTopicConsumer:
    return UpdateTopicConsumer(
        config.get_string("oryx.update-topic.broker"),
        config.get_string("oryx.update-topic.message.topic"),
        max_message_bytes=config.get_int("oryx.update-topic.message.max-size"),
        group_prefix=group_prefix,
    )


def update_messages(config: OryxConfig, expected: int, timeout: float = 30.0) -> list[KeyMessage]:
    """Every message on the update topic, waiting until at least ``expected`` have arrived."""
    messages: list[KeyMessage] = []
    deadline = time.monotonic() + timeout
    with update_consumer(config) as consumer:
        while time.monotonic() < deadline and not (len(messages) >= expected and consumer.caught_up()):
            messages += consumer.poll(0.5)
    return messages


class SpeedRun:
    """One speed-layer run in this process: manager + follower + publisher + query, as ``__main__`` wires them."""

    def __init__(self, spark: SparkSession, config: OryxConfig) -> None:
        self.manager = ExampleSpeedModelManager(config)
        self.follower = ModelFollower(self.manager, update_consumer(config, GROUP_PREFIX), poll_timeout=0.2).start()
        assert self.follower.wait_until_loaded(30), "speed model did not load from the update topic"
        self.producer = TopicProducer(
            config.get_string("oryx.update-topic.broker"), config.get_string("oryx.update-topic.message.topic")
        )
        self.checkpoint = config.get_string("oryx.speed.streaming.checkpoint-dir")
        self.publisher = BatchPublisher(self.manager, self.producer, marker_path(self.checkpoint))
        self.query = start_query(
            spark,
            config,
            self.publisher,
            name=query_name(ExampleSpeedModelManager),
            checkpoint=self.checkpoint,
            starting_offsets="earliest",
        )

    def stop(self) -> None:
        self.publisher.pause()
        self.query.stop()
        self.follower.stop()
        self.producer.close()
        self.manager.close()


def ups(messages: list[KeyMessage]) -> list[str]:
    return [m.message for m in messages if m.key == UP]


def test_first_batch_publishes_exact_word_counts_on_top_of_the_model(
    spark_speed: SparkSession, config: OryxConfig
) -> None:
    send_model(config, BATCH_MODEL)
    send_input(config, ["a b", "b c"])
    run = SpeedRun(spark_speed, config)
    try:
        assert run.manager.counts() == {"a": 5, "z": 1}
        run.query.processAllAvailable()
    finally:
        run.stop()
    assert ups(update_messages(config, expected=4)) == ["a,6", "b,2", "c,1"]
    assert run.publisher.stats.rows_in == 2


def test_restart_does_not_republish_a_batch_spark_had_not_committed(
    spark_speed: SparkSession, config: OryxConfig
) -> None:
    send_model(config, BATCH_MODEL)
    send_input(config, ["a b"])
    first = SpeedRun(spark_speed, config)
    try:
        first.query.processAllAvailable()
    finally:
        first.stop()
    assert first.publisher.published_batch_id == 0
    # A crash after publishing but before Spark's commit: batch 0 is planned again, with the same offsets.
    commits = Path(first.checkpoint) / "commits"
    for name in ("0", ".0.crc"):
        (commits / name).unlink(missing_ok=True)
    assert (Path(first.checkpoint) / MARKER_FILE).is_file()

    send_input(config, ["c d"])
    second = SpeedRun(spark_speed, config)
    try:
        second.query.processAllAvailable()
    finally:
        second.stop()

    assert second.publisher.stats.replayed_batches == 1
    # The restarted manager reloads only the MODEL (the example ignores UP), so c and d start from zero.
    assert ups(update_messages(config, expected=5)) == ["a,6", "b,1", "c,1", "d,1"]
