"""The in-memory fake behaves like the Kafka classes in the ways unit tests rely on."""

from __future__ import annotations

import threading

import pytest
from support.memory_topics import InMemoryBroker, InMemoryProducer, InMemoryUpdateConsumer

from oryx_core.topics.messages import MODEL, UP, KeyMessage, MessageTooLargeError
from oryx_core.topics.producer import DeliveryError

TOPIC = "OryxUpdate"


@pytest.fixture
def broker() -> InMemoryBroker:
    return InMemoryBroker()


def test_flushed_messages_round_trip_in_order(broker: InMemoryBroker) -> None:
    with InMemoryProducer(broker, TOPIC) as producer:
        producer.send(MODEL, "<PMML/>")
        producer.send(UP, "a,1")
    consumer = InMemoryUpdateConsumer(broker, TOPIC)
    assert consumer.poll(0.1) == [KeyMessage(MODEL, "<PMML/>"), KeyMessage(UP, "a,1")]


def test_sent_messages_stay_invisible_until_flushed(broker: InMemoryBroker) -> None:
    producer = InMemoryProducer(broker, TOPIC)
    producer.send(UP, "a,1")
    assert broker.messages(TOPIC) == []
    producer.flush()
    assert broker.messages(TOPIC) == [KeyMessage(UP, "a,1")]


def test_counts_sent_and_delivered(broker: InMemoryBroker) -> None:
    producer = InMemoryProducer(broker, TOPIC)
    producer.send(UP, "a,1")
    producer.send_sync(UP, "b,2")
    assert (producer.sent_count, producer.delivered_count) == (2, 2)


def test_rejected_deliveries_fail_the_flush(broker: InMemoryBroker) -> None:
    broker.reject_deliveries(TOPIC, "broker down")
    producer = InMemoryProducer(broker, TOPIC)
    producer.send(UP, "a,1")
    with pytest.raises(DeliveryError, match="broker down"):
        producer.flush()
    assert broker.messages(TOPIC) == []
    assert producer.delivered_count == 0


def test_producer_refuses_an_oversized_message(broker: InMemoryBroker) -> None:
    producer = InMemoryProducer(broker, TOPIC, max_message_bytes=3)
    with pytest.raises(MessageTooLargeError):
        producer.send(MODEL, "four")


def test_consumer_reports_when_it_has_caught_up(broker: InMemoryBroker) -> None:
    broker.append(TOPIC, KeyMessage(MODEL, "m"))
    consumer = InMemoryUpdateConsumer(broker, TOPIC)
    assert (consumer.position(), consumer.end_offsets(), consumer.caught_up()) == ({0: 0}, {0: 1}, False)
    consumer.poll(0.1)
    assert (consumer.position(), consumer.caught_up()) == ({0: 1}, True)


def test_each_consumer_replays_from_the_beginning(broker: InMemoryBroker) -> None:
    broker.append(TOPIC, KeyMessage(MODEL, "m"))
    InMemoryUpdateConsumer(broker, TOPIC).poll(0.1)
    assert InMemoryUpdateConsumer(broker, TOPIC).poll(0.1) == [KeyMessage(MODEL, "m")]


def test_poll_respects_max_messages(broker: InMemoryBroker) -> None:
    for i in range(5):
        broker.append(TOPIC, KeyMessage(UP, str(i)))
    consumer = InMemoryUpdateConsumer(broker, TOPIC)
    assert [m.message for m in consumer.poll(0.1, max_messages=3)] == ["0", "1", "2"]
    assert [m.message for m in consumer.poll(0.1, max_messages=3)] == ["3", "4"]


def test_poll_wakes_up_when_a_message_arrives(broker: InMemoryBroker) -> None:
    consumer = InMemoryUpdateConsumer(broker, TOPIC)
    threading.Timer(0.05, broker.append, (TOPIC, KeyMessage(UP, "late"))).start()
    assert consumer.poll(5.0) == [KeyMessage(UP, "late")]


def test_poll_returns_empty_after_the_timeout(broker: InMemoryBroker) -> None:
    assert InMemoryUpdateConsumer(broker, TOPIC).poll(0.01) == []


def test_keyed_records_keep_their_order_within_a_partition(broker: InMemoryBroker) -> None:
    broker.create_topic("OryxInput", partitions=4)
    positions = [broker.append("OryxInput", KeyMessage("user-7", str(i))) for i in range(3)]
    assert len({partition for partition, _ in positions}) == 1
    assert [offset for _, offset in positions] == [0, 1, 2]
