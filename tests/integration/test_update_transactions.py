"""Transactions on the update topic against the real broker: what ``read_committed`` readers see, and when.

The speed layer's exactly-once rests on three broker behaviours checked here without Spark: a transaction a
killed producer left open is invisible, the next producer with the same ``transactional.id`` aborts it, and the
batch headers of committed transactions can be read back from the topic's tail.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest

from oryx_core.topics.consumer import UpdateTopicConsumer
from oryx_core.topics.header_scan import header_values
from oryx_core.topics.messages import KeyMessage
from oryx_core.topics.producer import TopicProducer, TransactionalProducer

HEADER = "oryx.speed.batch"

ABANDON = """
import os, signal, sys
from oryx_core.topics.producer import TransactionalProducer
producer = TransactionalProducer(sys.argv[1], sys.argv[2], sys.argv[3])
producer.init()
producer._producer.begin_transaction()
producer._producer.produce(sys.argv[2], key=b"UP", value=b"never-committed")
producer._producer.flush(10)
os.kill(os.getpid(), signal.SIGKILL)
"""


def read_all(brokers: str, topic: str, timeout: float = 20.0) -> list[KeyMessage]:
    """Everything a ``read_committed`` update-topic reader gets before it reports being caught up."""
    messages: list[KeyMessage] = []
    deadline = time.monotonic() + timeout
    with UpdateTopicConsumer(brokers, topic, max_message_bytes=1_000_000) as consumer:
        while time.monotonic() < deadline:
            messages += consumer.poll(0.3)
            if consumer.caught_up():
                return messages
    raise AssertionError(f"update consumer not caught up with {topic} within {timeout:g}s")


@pytest.fixture
def update_topic(fresh_topics: tuple[str, str]) -> str:
    return fresh_topics[1]


@pytest.fixture
def txn_id() -> str:
    return f"oryx-test-{uuid.uuid4().hex[:8]}"


def test_committed_transactions_are_read_and_their_end_markers_do_not_stall_catching_up(
    kafka_brokers: str, update_topic: str, txn_id: str
) -> None:
    with TransactionalProducer(kafka_brokers, update_topic, txn_id) as producer:
        producer.init()
        assert producer.publish([("UP", "a,1"), ("UP", "b,1")], headers=[(HEADER, "q:id:0")]) == 2
    assert read_all(kafka_brokers, update_topic) == [KeyMessage("UP", "a,1"), KeyMessage("UP", "b,1")]


def test_a_killed_producers_open_transaction_is_invisible_and_aborted_by_its_successor(
    kafka_brokers: str, update_topic: str, txn_id: str
) -> None:
    subprocess.run([sys.executable, "-c", ABANDON, kafka_brokers, update_topic, txn_id], timeout=60, check=False)
    assert read_all(kafka_brokers, update_topic) == []
    with TransactionalProducer(kafka_brokers, update_topic, txn_id) as successor:
        successor.init()
        successor.publish([("UP", "after,1")])
    assert read_all(kafka_brokers, update_topic) == [KeyMessage("UP", "after,1")]


def test_a_failing_record_source_aborts_the_whole_transaction(
    kafka_brokers: str, update_topic: str, txn_id: str
) -> None:
    def records() -> Iterator[tuple[str, str]]:
        yield ("UP", "partial,1")
        raise ValueError("app failed mid-batch")

    with TransactionalProducer(kafka_brokers, update_topic, txn_id) as producer:
        producer.init()
        with pytest.raises(ValueError, match="mid-batch"):
            producer.publish(records())
        producer.publish([("UP", "next,1")])
    assert read_all(kafka_brokers, update_topic) == [KeyMessage("UP", "next,1")]


def test_header_scan_reads_committed_tags_within_its_bounds(kafka_brokers: str, update_topic: str, txn_id: str) -> None:
    with TransactionalProducer(kafka_brokers, update_topic, txn_id) as producer:
        producer.init()
        for batch in range(3):
            producer.publish([("UP", f"w{batch},1")], headers=[(HEADER, f"q:id:{batch}")])
    with TopicProducer(kafka_brokers, update_topic) as plain:
        plain.send_sync("MODEL", "{}")  # no header: not counted
    assert header_values(kafka_brokers, update_topic, HEADER) == ["q:id:0", "q:id:1", "q:id:2"]
    # Each transaction takes two offsets (record + commit marker); the MODEL one more.
    assert header_values(kafka_brokers, update_topic, HEADER, max_records=3) == ["q:id:2"]
    future_ms = int(time.time() * 1000) + 60_000
    assert header_values(kafka_brokers, update_topic, HEADER, since_ms=future_ms) == []
