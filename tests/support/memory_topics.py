"""In-memory stand-ins for the Kafka classes, for UNIT tests only.

They keep the public methods of ``TopicProducer`` and ``UpdateTopicConsumer`` so model managers and views can
be tested in milliseconds, without a broker. They are deliberately simple (no consumer groups, no retention,
no compression) and prove nothing about Kafka itself: integration tests run the real classes against the real
broker started by ``tests/conftest.py``.

To stay honest about what code may rely on, the fake producer holds messages back until ``flush``,
``send_sync`` or ``close``, just as a lingering Kafka producer may; code that forgets to flush fails here too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from oryx_core.topics.acknowledged_writer import Headers
from oryx_core.topics.messages import DEFAULT_MAX_MESSAGE_BYTES, KeyMessage, check_size, java_string_hash
from oryx_core.topics.producer import DeliveryError


class InMemoryBroker:
    """Topics -> partitions -> records. Topics spring into being (one partition) on first use."""

    def __init__(self) -> None:
        self._topics: dict[str, list[list[KeyMessage]]] = {}
        self._rejecting: dict[str, str] = {}
        self._round_robin = 0
        self.changed = threading.Condition()

    def create_topic(self, name: str, partitions: int = 1) -> None:
        """Like Oryx's setup: creating an existing topic leaves it alone."""
        with self.changed:
            self._topics.setdefault(name, [[] for _ in range(partitions)])

    def reject_deliveries(self, topic: str, reason: str | None) -> None:
        """Makes deliveries to ``topic`` fail with ``reason`` (None restores them): the broker-down case."""
        with self.changed:
            if reason is None:
                self._rejecting.pop(topic, None)
            else:
                self._rejecting[topic] = reason

    def rejection(self, topic: str) -> str | None:
        with self.changed:
            return self._rejecting.get(topic)

    def append(self, topic: str, record: KeyMessage) -> tuple[int, int]:
        """Stores one record; keyed records go to a partition by key, as Kafka's partitioner keeps key order."""
        with self.changed:
            partitions = self._partitions(topic)
            if record.key is None:
                self._round_robin += 1
                index = self._round_robin % len(partitions)
            else:
                index = java_string_hash(record.key) % len(partitions)
            partitions[index].append(record)
            self.changed.notify_all()
            return index, len(partitions[index]) - 1

    def read(self, topic: str, partition: int, offset: int, limit: int) -> list[KeyMessage]:
        with self.changed:
            return self._partitions(topic)[partition][offset : offset + limit]

    def end_offsets(self, topic: str) -> dict[int, int]:
        with self.changed:
            return {p: len(records) for p, records in enumerate(self._partitions(topic))}

    def messages(self, topic: str) -> list[KeyMessage]:
        """Every record of the topic, partition after partition: what tests assert on."""
        with self.changed:
            return [record for records in self._partitions(topic) for record in records]

    def _partitions(self, topic: str) -> list[list[KeyMessage]]:
        return self._topics.setdefault(topic, [[]])


class InMemoryProducer:
    """Same methods as ``TopicProducer``; records become visible on the broker when flushed."""

    def __init__(
        self, broker: InMemoryBroker, topic: str, *, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    ) -> None:
        self.topic = topic
        self.max_message_bytes = max_message_bytes
        self._broker = broker
        self._lock = threading.Lock()
        self._pending: list[KeyMessage] = []
        self._sent = 0
        self._delivered = 0
        self._closed = False

    @property
    def sent_count(self) -> int:
        with self._lock:
            return self._sent

    @property
    def delivered_count(self) -> int:
        with self._lock:
            return self._delivered

    def send(self, key: str | None, message: str) -> None:
        if self._closed:
            raise RuntimeError(f"producer for topic {self.topic!r} is closed")
        check_size(message, self.max_message_bytes)
        with self._lock:
            self._pending.append(KeyMessage(key, message))
            self._sent += 1

    def send_sync(self, key: str | None, message: str, timeout: float = 30.0) -> None:
        self.send(key, message)
        self.flush(timeout)

    def write(self, records: Sequence[tuple[str | None, str]], headers: Sequence[Headers] | None = None) -> None:
        """``AcknowledgedWriter.write``: all records delivered, or ``DeliveryError`` and none of them (headers are
        not kept: no unit test reads them back)."""
        for key, message in records:
            self.send(key, message)
        self.flush()

    def flush(self, timeout: float = 30.0) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        reason = self._broker.rejection(self.topic)
        if reason is not None:
            raise DeliveryError(self.topic, [reason] * len(pending), 0)
        for record in pending:
            self._broker.append(self.topic, record)
        with self._lock:
            self._delivered += len(pending)

    def close(self, timeout: float = 30.0) -> None:
        if not self._closed:
            self._closed = True
            self.flush(timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class InMemoryUpdateConsumer:
    """Same methods as ``UpdateTopicConsumer``: replays the topic from offset 0, then follows it."""

    def __init__(self, broker: InMemoryBroker, topic: str) -> None:
        self.topic = topic
        self._broker = broker
        self._positions: dict[int, int] = {}

    def poll(self, timeout: float, max_messages: int = 500) -> list[KeyMessage]:
        """Waits up to ``timeout`` seconds for at least one new record, like a Kafka poll."""
        deadline = time.monotonic() + timeout
        with self._broker.changed:
            while True:
                records = self._take(max_messages)
                remaining = deadline - time.monotonic()
                if records or remaining <= 0:
                    return records
                self._broker.changed.wait(remaining)

    def end_offsets(self, timeout: float = 10.0) -> dict[int, int]:
        return self._broker.end_offsets(self.topic)

    def position(self, timeout: float = 10.0) -> dict[int, int]:
        return {p: self._positions.get(p, 0) for p in self._broker.end_offsets(self.topic)}

    def caught_up(self, timeout: float = 10.0) -> bool:
        positions = self.position()
        return all(positions[p] >= end for p, end in self.end_offsets().items())

    def close(self) -> None:
        """Nothing to release; present so code under test can close what it opened."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _take(self, limit: int) -> list[KeyMessage]:
        taken: list[KeyMessage] = []
        for partition in self._broker.end_offsets(self.topic):
            offset = self._positions.get(partition, 0)
            records = self._broker.read(self.topic, partition, offset, limit - len(taken))
            self._positions[partition] = offset + len(records)
            taken.extend(records)
        return taken
