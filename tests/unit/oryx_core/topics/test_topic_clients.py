"""The Kafka clients construct without a broker and carry Oryx's settings.

Delivery against a real broker is covered by the integration tests; here the point is that building a producer,
consumer or admin client never blocks, so a layer starts (and reports) even while Kafka is down.
"""

from __future__ import annotations

import time

import pytest

from oryx_core.topics.admin import TopicAdmin, TopicMissingError
from oryx_core.topics.consumer import InputTopicReader, UpdateTopicConsumer, consumer_config
from oryx_core.topics.messages import MessageTooLargeError
from oryx_core.topics.producer import (
    DeliveryError,
    TopicProducer,
    TransactionalProducer,
    producer_config,
    transactional_producer_config,
)

UNREACHABLE = "127.0.0.1:9"  # the discard port: nothing listens there


def test_producer_config_is_idempotent_lz4_with_room_for_the_largest_message() -> None:
    config = producer_config("b:9092", max_message_bytes=16_777_216, linger_ms=5, client_id="oryx")
    assert config["enable.idempotence"] is True
    assert config["acks"] == "all"
    assert config["compression.type"] == "lz4"
    assert config["message.max.bytes"] == 16_777_216 + 65_536


def test_producer_config_keeps_librdkafkas_minimum_message_size() -> None:
    config = producer_config("b:9092", max_message_bytes=1000, linger_ms=5, client_id="oryx")
    assert config["message.max.bytes"] == 1_000_000


def test_consumer_config_fetches_a_whole_max_size_message() -> None:
    config = consumer_config("b:9092", "g", max_message_bytes=100_000_000)
    assert config["max.partition.fetch.bytes"] == 100_000_000
    assert config["fetch.max.bytes"] >= 100_000_000
    assert config["receive.message.max.bytes"] > config["fetch.max.bytes"]
    assert config["enable.auto.commit"] is False


def test_transactional_config_adds_the_id_and_a_bounded_transaction_timeout() -> None:
    config = transactional_producer_config(
        "b:9092", "OryxSpeedLayer-x-q", max_message_bytes=1000, linger_ms=5, client_id="q"
    )
    assert config["transactional.id"] == "OryxSpeedLayer-x-q"
    assert config["transaction.timeout.ms"] == 60_000
    assert (config["enable.idempotence"], config["acks"]) == (True, "all")


def test_transactional_publish_before_init_is_refused() -> None:
    with (
        TransactionalProducer(UNREACHABLE, "OryxUpdate", "t-id") as producer,
        pytest.raises(RuntimeError, match="init"),
    ):
        producer.publish([("UP", "a,1")])


def test_clients_construct_at_once_without_a_broker() -> None:
    started = time.monotonic()
    producer = TopicProducer(UNREACHABLE, "OryxInput")
    transactional = TransactionalProducer(UNREACHABLE, "OryxUpdate", "t-id")
    update = UpdateTopicConsumer(UNREACHABLE, "OryxUpdate", max_message_bytes=100_000_000)
    reader = InputTopicReader(UNREACHABLE, "OryxInput", "OryxGroup-BatchLayer-test")
    TopicAdmin(UNREACHABLE)
    assert time.monotonic() - started < 2.0
    producer.close(timeout=0.1)
    transactional.close(timeout=0.1)
    update.close()
    reader.close()


def test_update_consumer_uses_a_fresh_group_each_time() -> None:
    first = UpdateTopicConsumer(UNREACHABLE, "OryxUpdate", max_message_bytes=1000, group_prefix="OryxGroup-Speed")
    second = UpdateTopicConsumer(UNREACHABLE, "OryxUpdate", max_message_bytes=1000, group_prefix="OryxGroup-Speed")
    try:
        assert first.group_id.startswith("OryxGroup-Speed-")
        assert first.group_id != second.group_id
    finally:
        first.close()
        second.close()


def test_oversized_message_is_refused_before_sending() -> None:
    with TopicProducer(UNREACHABLE, "OryxUpdate", max_message_bytes=10) as producer:
        with pytest.raises(MessageTooLargeError):
            producer.send("MODEL", "x" * 11)
        assert producer.sent_count == 0


def test_flush_without_a_broker_raises_instead_of_claiming_success() -> None:
    producer = TopicProducer(UNREACHABLE, "OryxInput")
    producer.send(None, "a,b")
    with pytest.raises(DeliveryError, match="1 message"):
        producer.flush(timeout=0.2)
    with pytest.raises(DeliveryError):
        producer.close(timeout=0.1)


def test_send_after_close_is_an_error() -> None:
    producer = TopicProducer(UNREACHABLE, "OryxInput")
    producer.close(timeout=0.1)
    with pytest.raises(RuntimeError, match="closed"):
        producer.send(None, "a,b")


def test_wait_until_ready_names_the_unreachable_brokers() -> None:
    with pytest.raises(TimeoutError, match="127.0.0.1:9"):
        TopicAdmin(UNREACHABLE).wait_until_ready(0.3)


def test_missing_topic_message_matches_oryx() -> None:
    assert str(TopicMissingError("OryxInput")) == "Topic OryxInput does not exist; did you create it?"
