"""Reading the two topics the way each layer needs them.

* ``UpdateTopicConsumer``: the speed and serving layers replay the whole update topic from the earliest offset
  under a fresh random group (as Oryx 2 does), never committing, and need to know when they have caught up
  with what was on the topic when they asked (to report "model loaded").
* ``InputTopicReader``: the batch layer reads exact, repeatable offset ranges and commits only after a
  generation is saved, so a failed generation re-reads the same input instead of losing it.
* ``header_scan.header_values`` (beside this module) reads one header off the end of a topic with the same
  client.

The update topic is read ``read_committed``: the speed layer publishes each micro-batch's updates in one
transaction, and a batch it was killed in the middle of must never reach a model. (librdkafka defaults to
``read_committed`` too; saying so here keeps it from changing silently.) Oryx 2 consumers, which read only keys
and values, see the same messages.

Like the producer, both construct without contacting the broker; the first call that needs metadata does.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from types import TracebackType
from typing import Any, Self

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

from oryx_core.topics.admin import TopicMissingError
from oryx_core.topics.messages import DEFAULT_MAX_MESSAGE_BYTES, KeyMessage
from oryx_core.topics.model_generation import generation_of

_DEFAULT_FETCH_MAX_BYTES = 52_428_800
_DEFAULT_RECEIVE_MAX_BYTES = 100_000_000
_RESPONSE_HEADROOM = 1_048_576
FETCH_BATCH = 500
READ_COMMITTED = "read_committed"

log = logging.getLogger(__name__)

# A fresh broker answers group requests with "coordinator load in progress" for a few seconds while it
# creates __consumer_offsets; those errors say "try again", so offset calls retry them for a while.
_GROUP_RETRY_SECONDS = 30.0
_GROUP_RETRY_CODES = {
    KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
    KafkaError.NOT_COORDINATOR,
    KafkaError.COORDINATOR_NOT_AVAILABLE,
    KafkaError._TIMED_OUT,
}


def _with_group_retry(call: Callable[[], list[TopicPartition]]) -> list[TopicPartition]:
    """Runs a group offset call, retrying the "try again" errors of a settling broker, else raising them."""
    deadline = time.monotonic() + _GROUP_RETRY_SECONDS
    while True:
        try:
            results = call()
        except KafkaException as error:
            if not _should_retry(error.args[0], deadline):
                raise
        else:
            failed = next((tp.error for tp in results if tp.error is not None), None)
            if failed is None:
                return results
            if not _should_retry(failed, deadline):
                raise KafkaException(failed)
        time.sleep(0.5)


def _should_retry(error: KafkaError | None, deadline: float) -> bool:
    return (
        error is not None and (error.code() in _GROUP_RETRY_CODES or error.retriable()) and time.monotonic() < deadline
    )


def consumer_config(brokers: str, group_id: str, *, max_message_bytes: int) -> dict[str, Any]:
    """librdkafka settings shared by both readers; fetch sizes must admit a ``max_message_bytes`` record.

    librdkafka insists that a response (``receive.message.max.bytes``) can hold a whole fetch
    (``fetch.max.bytes``) plus headroom, so all three sizes grow together.
    """
    fetch_max = max(max_message_bytes, _DEFAULT_FETCH_MAX_BYTES)
    return {
        "bootstrap.servers": brokers,
        "group.id": group_id,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "max.partition.fetch.bytes": max_message_bytes,
        "fetch.max.bytes": fetch_max,
        "receive.message.max.bytes": max(fetch_max + _RESPONSE_HEADROOM, _DEFAULT_RECEIVE_MAX_BYTES),
        "logger": logging.getLogger("oryx_core.topics.librdkafka"),
    }


def _decode(record: Message) -> KeyMessage:
    """Oryx 2 used String deserializers: UTF-8, with undecodable bytes replaced rather than fatal."""
    key = record.key()
    value = record.value()
    headers = record.headers()
    return KeyMessage(
        None if key is None else key.decode("utf-8", "replace"),
        "" if value is None else value.decode("utf-8", "replace"),
        generation_of(headers) if headers else None,
    )


class TopicClient:
    """Metadata queries both readers share; keeps the Consumer handles and the topic name together.

    Offsets and metadata go through a second, idle Consumer (never subscribed nor assigned): a broker answers a
    connection's requests in order, so on the reading one each waited behind its long-poll fetch (500 ms), four
    waits per readiness check (22,000 ``UP`` messages took 137 s to load). The idle one answers in milliseconds.
    """

    def __init__(self, config: dict[str, Any], topic: str) -> None:
        self.topic = topic
        self._consumer = Consumer(config)
        self._config = config
        self._metadata_client: Consumer | None = None

    @property
    def consumer(self) -> Consumer:
        """The reading Consumer (assign, poll, offsets for times); not for metadata queries (see above)."""
        return self._consumer

    @property
    def _metadata(self) -> Consumer:
        if self._metadata_client is None:
            self._metadata_client = Consumer(self._config)
        return self._metadata_client

    def partitions(self, timeout: float = 10.0) -> list[int]:
        metadata = self._metadata.list_topics(self.topic, timeout=timeout).topics.get(self.topic)
        if metadata is None or metadata.error is not None:
            raise TopicMissingError(self.topic)
        return sorted(metadata.partitions)

    def watermarks(self, timeout: float = 10.0) -> dict[int, tuple[int, int]]:
        """``partition -> (low, high)``: the earliest offset still stored and the next offset to be written."""
        return {
            p: self._metadata.get_watermark_offsets(TopicPartition(self.topic, p), timeout=timeout, cached=False)
            for p in self.partitions(timeout)
        }

    def end_offsets(self, timeout: float = 10.0) -> dict[int, int]:
        """High watermarks now: reading up to these means having seen everything written so far."""
        return {p: high for p, (_, high) in self.watermarks(timeout).items()}

    def fetch(self, max_messages: int, timeout: float) -> list[Message]:
        """What has arrived, without waiting longer than needed.

        ``Consumer.consume`` waits out its whole timeout unless ``max_messages`` arrive, which would delay every
        update by the poll interval; so wait for the first record, then take whatever else is already here.
        """
        first = self._consumer.poll(timeout)
        if first is None:
            return []
        return [first, *self._consumer.consume(max_messages - 1, 0)] if max_messages > 1 else [first]

    def batches(self, idle_timeout: float, stalled: Callable[[], str]) -> Iterator[list[Message]]:
        """What ``fetch`` returns, poll after poll, for as long as the caller iterates; ``TimeoutError(stalled())``
        once ``idle_timeout`` seconds pass without a record."""
        last_progress = time.monotonic()
        while True:
            records = self.fetch(FETCH_BATCH, 1.0)
            if records:
                last_progress = time.monotonic()
            elif time.monotonic() - last_progress > idle_timeout:
                raise TimeoutError(stalled())
            yield records

    def close(self) -> None:
        self._consumer.close()
        if self._metadata_client is not None:
            self._metadata_client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class UpdateTopicConsumer(TopicClient):
    """Replays the update topic from the beginning, then follows it; never commits offsets."""

    def __init__(
        self,
        brokers: str,
        topic: str,
        *,
        max_message_bytes: int,
        group_prefix: str = "OryxGroup-ServingLayer",
    ) -> None:
        # A fresh group each time is what makes every process see every model from the start.
        self.group_id = f"{group_prefix}-{uuid.uuid4()}"
        config = consumer_config(brokers, self.group_id, max_message_bytes=max_message_bytes)
        config["isolation.level"] = READ_COMMITTED
        super().__init__(config, topic)
        self._consumer.subscribe([topic])
        self._last_error: int | None = None

    def poll(self, timeout: float, max_messages: int = FETCH_BATCH) -> list[KeyMessage]:
        """Up to ``max_messages`` records, waiting at most ``timeout`` seconds; empty when nothing is new."""
        messages = []
        for record in self.fetch(max_messages, timeout):
            error = record.error()
            if error is None:
                messages.append(_decode(record))
            else:
                self._handle(error)
        return messages

    def position(self, timeout: float = 10.0) -> dict[int, int]:
        """Next offset this consumer will return, per partition.

        Partitions not yet assigned or read report their low watermark, where reading from earliest begins,
        so ``position() >= end_offsets()`` holds exactly when everything present has been returned.
        """
        assigned = [tp for tp in self._consumer.assignment() if tp.topic == self.topic]
        read = {tp.partition: tp.offset for tp in self._consumer.position(assigned) if tp.offset >= 0}
        return {p: read.get(p, low) for p, (low, _) in self.watermarks(timeout).items()}

    def caught_up(self, timeout: float = 10.0) -> bool:
        """True once every message on the topic when called has been returned by ``poll``."""
        ends = self.end_offsets(timeout)
        positions = self.position(timeout)
        return all(positions.get(p, 0) >= end for p, end in ends.items())

    def _handle(self, error: KafkaError) -> None:
        if error.fatal():
            raise KafkaException(error)
        # A missing topic or a down broker repeats on every poll; log each distinct problem once.
        level = logging.DEBUG if error.code() == self._last_error else logging.WARNING
        log.log(level, "update topic %r: %s", self.topic, error.str())
        self._last_error = error.code()


class InputTopicReader(TopicClient):
    """Reads exact ``[start, end)`` offset ranges of the input topic and commits them for a consumer group."""

    def __init__(
        self,
        brokers: str,
        topic: str,
        group_id: str,
        *,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    ) -> None:
        self.group_id = group_id
        config = consumer_config(brokers, group_id, max_message_bytes=max_message_bytes)
        config["enable.partition.eof"] = True
        super().__init__(config, topic)

    def committed_offsets(self, timeout: float = 10.0) -> dict[int, int]:
        """Where the group's next read starts, per partition.

        Partitions the group never committed start at the earliest stored offset. A committed offset that
        retention already deleted also starts there, with a warning, since that data is gone.
        """
        watermarks = self.watermarks(timeout)
        requested = [TopicPartition(self.topic, p) for p in watermarks]
        offsets = {}
        for tp in self._committed_with_retry(requested, timeout):
            low = watermarks[tp.partition][0]
            if 0 <= tp.offset < low:
                log.warning(
                    "group %s: committed offset %d of %s[%d] was deleted by retention; resuming at %d",
                    self.group_id,
                    tp.offset,
                    self.topic,
                    tp.partition,
                    low,
                )
            offsets[tp.partition] = max(tp.offset, low)
        return offsets

    def read_range(
        self, start: Mapping[int, int], end: Mapping[int, int], *, idle_timeout: float = 60.0
    ) -> Iterator[KeyMessage]:
        """Every record with ``start[p] <= offset < end[p]``; offset order within a partition, partitions interleave."""
        for _, _, message in self.read_range_with_offsets(start, end, idle_timeout=idle_timeout):
            yield message

    def read_range_with_offsets(
        self, start: Mapping[int, int], end: Mapping[int, int], *, idle_timeout: float = 60.0
    ) -> Iterator[tuple[int, int, KeyMessage]]:
        """Like ``read_range`` but yields ``(partition, offset, message)``.

        Raises ``TimeoutError`` if no record arrives for ``idle_timeout`` seconds while some partition is
        short of its end, e.g. because ``end`` lies beyond what was ever written.
        """
        missing = set(end) - set(start)
        if missing:
            raise ValueError(f"read_range: no start offset for partitions {sorted(missing)} of {self.topic!r}")
        pending = {p: stop for p, stop in end.items() if start[p] < stop}
        if not pending:
            return
        assignment = [TopicPartition(self.topic, p, start[p]) for p in pending]
        self._consumer.assign(assignment)
        # librdkafka remembers a pause across unassign/assign; a previous range paused what it finished.
        self._consumer.resume(assignment)
        try:
            yield from self._drain(pending, idle_timeout)
        finally:
            self._consumer.unassign()

    def _drain(self, pending: dict[int, int], idle_timeout: float) -> Iterator[tuple[int, int, KeyMessage]]:
        last_error = "none"

        def stalled() -> str:
            return (
                f"reading {self.topic!r}: no records for {idle_timeout:g}s while partitions still expect "
                f"offsets up to {pending} (last error: {last_error})"
            )

        for records in self.batches(idle_timeout, stalled):
            for record in records:
                partition, offset, error = record.partition(), record.offset(), record.error()
                if partition not in pending:
                    continue
                if error is not None and error.code() != KafkaError._PARTITION_EOF:
                    if error.fatal():
                        raise KafkaException(error)
                    last_error = error.str()
                    log.warning("input topic %r: %s", self.topic, last_error)
                    continue
                if error is None and offset < pending[partition]:
                    yield partition, offset, _decode(record)
                # An EOF's offset is the high watermark: nothing more exists to wait for below it.
                if offset + (0 if error else 1) >= pending[partition]:
                    self._finish(partition, pending)
            if not pending:
                return

    def _finish(self, partition: int, pending: dict[int, int]) -> None:
        del pending[partition]
        self._consumer.pause([TopicPartition(self.topic, partition)])

    def commit(self, offsets: Mapping[int, int]) -> None:
        """Records ``offsets`` (the next offset to read, per partition) as the group's position, synchronously."""
        if not offsets:
            return
        requested = [TopicPartition(self.topic, p, o) for p, o in offsets.items()]
        _with_group_retry(lambda: self._consumer.commit(offsets=requested, asynchronous=False) or [])

    def _committed_with_retry(self, requested: list[TopicPartition], timeout: float) -> list[TopicPartition]:
        return _with_group_retry(lambda: self._consumer.committed(requested, timeout=timeout))
