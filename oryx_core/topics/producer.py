"""One Kafka producer for both topics, on confluent-kafka (librdkafka).

Oryx 2 used ``acks=1``, which can lose acknowledged input when a leader fails. We use the idempotent producer
(``acks=all``, no duplicates on retry) and make delivery failures visible: ``send`` is asynchronous for
throughput, and ``flush`` raises if anything was not acknowledged, so the serving layer answers 200 only
for input the broker really holds. Constructing a producer never contacts the broker; librdkafka connects
in the background, so an unreachable broker shows up as a ``DeliveryError``, not a hang at start-up.

``TransactionalProducer`` is for a writer that must publish a group of records exactly once (the speed layer's
``UP`` messages of one micro-batch): the group is committed atomically, so ``read_committed`` consumers see all
of it or none of it, and a restarted writer with the same ``transactional.id`` fences its dead predecessor and
aborts whatever transaction that one left open.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any, Self

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from oryx_core.topics.delivery import DeliveryOutcomes, describe_error
from oryx_core.topics.messages import DEFAULT_MAX_MESSAGE_BYTES, MODEL, MODEL_REF, MessageTooLargeError

_FRAMING_OVERHEAD = 65_536
_LIBRDKAFKA_MIN_MESSAGE_MAX_BYTES = 1_000_000
_QUEUE_FULL_WAIT_S = 30.0
_MAX_REPORTED_FAILURES = 5
_DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000

log = logging.getLogger(__name__)


class DeliveryError(RuntimeError):
    """Some messages were not acknowledged by the broker: they failed, or did not arrive in time."""

    def __init__(self, topic: str, failures: list[str], undelivered: int, timeout: float | None = None) -> None:
        parts = []
        if failures:
            shown = "; ".join(failures[:_MAX_REPORTED_FAILURES])
            more = (
                f" (and {len(failures) - _MAX_REPORTED_FAILURES} more)"
                if len(failures) > _MAX_REPORTED_FAILURES
                else ""
            )
            parts.append(f"{len(failures)} message(s) failed: {shown}{more}")
        if undelivered:
            within = f" within {timeout:g}s" if timeout is not None else ""
            parts.append(f"{undelivered} message(s) not acknowledged{within}")
        super().__init__(f"delivery to topic {topic!r} incomplete: " + ", ".join(parts))
        self.topic = topic
        self.failures = failures
        self.undelivered = undelivered


COMPRESSION_TYPE = "lz4"
"""Every producer's codec. Oryx 2 used gzip; ``benchmarks/kafka_codec.py`` (210,000 ``UP`` messages of 50
features, one run) measured lz4 at 11.8x gzip's produce rate and 7.1x its consume rate (gzip's inflate held a
model load to ~30,000 messages/s), for 1.7x its bytes on disk. zstd keeps gzip's size at 7.5x / 4.7x, but Kafka
clients before 2.1 cannot read it; lz4 has been readable by every client since 0.8.2, so Oryx 2 tools still are."""


def producer_config(brokers: str, *, max_message_bytes: int, linger_ms: int, client_id: str) -> dict[str, Any]:
    """librdkafka settings; a function of its own so the choices can be read (and tested) without a broker.

    librdkafka checks ``message.max.bytes`` against key + value + record overhead, so it gets headroom above
    the topic limit; our own size check (``MessageTooLargeError``) enforces the limit itself.
    """
    return {
        "bootstrap.servers": brokers,
        "client.id": client_id,
        "enable.idempotence": True,
        "acks": "all",
        "compression.type": COMPRESSION_TYPE,
        "linger.ms": linger_ms,
        "message.max.bytes": max(max_message_bytes + _FRAMING_OVERHEAD, _LIBRDKAFKA_MIN_MESSAGE_MAX_BYTES),
        "logger": logging.getLogger("oryx_core.topics.librdkafka"),
    }


class TransactionError(RuntimeError):
    """A transaction did not commit: it was aborted, so none of its records is visible to ``read_committed``."""


def transactional_producer_config(
    brokers: str,
    transactional_id: str,
    *,
    max_message_bytes: int,
    linger_ms: int,
    client_id: str,
    transaction_timeout_ms: int = _DEFAULT_TRANSACTION_TIMEOUT_MS,
) -> dict[str, Any]:
    """``producer_config`` plus a ``transactional.id`` (which implies idempotence and ``acks=all``).

    ``transaction.timeout.ms`` bounds how long a writer killed mid-transaction can hold back ``read_committed``
    consumers when it is not restarted: the broker aborts the transaction after that long.
    """
    config = producer_config(brokers, max_message_bytes=max_message_bytes, linger_ms=linger_ms, client_id=client_id)
    config["transactional.id"] = transactional_id
    config["transaction.timeout.ms"] = transaction_timeout_ms
    return config


class TopicProducer:
    """Writes string key/value records to one topic and keeps count of what the broker acknowledged.

    Thread-safe: the serving layer shares one producer between request threads. Delivery callbacks run in
    whichever thread calls ``flush``/``send``, so shared state is guarded by a lock.
    """

    def __init__(
        self,
        brokers: str,
        topic: str,
        *,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        linger_ms: int = 5,
        client_id: str = "oryx",
        model_headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.topic = topic
        self.max_message_bytes = max_message_bytes
        # Sent with MODEL / MODEL-REF records only: the batch layer names its generation there
        # (``oryx_core.topics.model_generation``); on every UP a header costs consumers ~30 % of their rate.
        self._model_headers = [(name, value.encode("utf-8")) for name, value in model_headers] or None
        self._producer = Producer(
            producer_config(brokers, max_message_bytes=max_message_bytes, linger_ms=linger_ms, client_id=client_id)
        )
        self._lock = threading.Lock()
        self._failures: list[str] = []
        self._sent = 0
        self._delivered = 0
        self._closed = False

    @property
    def sent_count(self) -> int:
        """Messages accepted by ``send``/``send_sync`` since construction (delivered or not yet)."""
        with self._lock:
            return self._sent

    @property
    def delivered_count(self) -> int:
        """Messages the broker acknowledged since construction."""
        with self._lock:
            return self._delivered

    def send(self, key: str | None, message: str) -> None:
        """Queues one record; failures surface on the next ``flush`` (or ``close``)."""
        self._produce(key, message, self._on_delivery)

    def send_sync(self, key: str | None, message: str, timeout: float = 30.0) -> None:
        """Sends one record and returns only once the broker acknowledged it (the batch layer's MODEL rule)."""
        outcomes = DeliveryOutcomes()

        def on_delivery(error: KafkaError | None, record: Message) -> None:
            self._count_delivery(error, record, collect=False)
            outcomes.report(error, record)

        outcomes.expect()
        self._produce(key, message, on_delivery)
        outcomes.wait(self._producer, timeout)
        if outcomes.pending:
            raise DeliveryError(self.topic, [], 1, timeout)
        if outcomes.failures:
            raise DeliveryError(self.topic, outcomes.failures, 0)

    def flush(self, timeout: float = 30.0) -> None:
        """Waits for every queued record; raises ``DeliveryError`` for failures since the previous flush.

        Records still unacknowledged at the timeout stay queued and may yet arrive, so a caller that retries
        after this error can create duplicates; Oryx's consumers tolerate repeated input and updates.
        """
        remaining = self._producer.flush(timeout)
        with self._lock:
            failures, self._failures = self._failures, []
        if failures or remaining:
            raise DeliveryError(self.topic, failures, remaining, timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Flushes, then drops whatever is still undelivered so closing never blocks past ``timeout``."""
        if self._closed:
            return
        self._closed = True
        try:
            self.flush(timeout)
        finally:
            self._producer.purge()
            self._producer.poll(0)
            self._producer.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is None:
            self.close()
            return
        # Already failing: report delivery problems in the log rather than masking the original error.
        try:
            self.close()
        except DeliveryError as error:
            log.error("while handling %r: %s", exc, error)

    def _produce(self, key: str | None, message: str, on_delivery: Any) -> None:
        if self._closed:
            raise RuntimeError(f"producer for topic {self.topic!r} is closed")
        headers = self._model_headers if key in (MODEL, MODEL_REF) else None
        limit = self.max_message_bytes
        produce_record(self._producer, self.topic, key, message, limit, on_delivery=on_delivery, headers=headers)
        with self._lock:
            self._sent += 1
        self._producer.poll(0)

    def _on_delivery(self, error: KafkaError | None, record: Message) -> None:
        self._count_delivery(error, record, collect=True)

    def _count_delivery(self, error: KafkaError | None, record: Message, *, collect: bool) -> None:
        with self._lock:
            if error is None:
                self._delivered += 1
            elif collect:
                self._failures.append(describe_error(error))


class TransactionalProducer:
    """Publishes groups of string key/value records to one topic, each group in one Kafka transaction.

    Not thread-safe: one writer thread (the speed layer's ``foreachBatch``) owns it. Call ``init`` once before
    the first ``publish``; it contacts the broker, so unlike ``TopicProducer`` this one fails fast when Kafka is
    unreachable or refuses transactions.
    """

    def __init__(
        self,
        brokers: str,
        topic: str,
        transactional_id: str,
        *,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        linger_ms: int = 5,
        client_id: str = "oryx",
        transaction_timeout_ms: int = _DEFAULT_TRANSACTION_TIMEOUT_MS,
    ) -> None:
        self.topic = topic
        self.transactional_id = transactional_id
        self.max_message_bytes = max_message_bytes
        self._producer = Producer(
            transactional_producer_config(
                brokers,
                transactional_id,
                max_message_bytes=max_message_bytes,
                linger_ms=linger_ms,
                client_id=client_id,
                transaction_timeout_ms=transaction_timeout_ms,
            )
        )
        self._initialized = False
        self._closed = False
        self.committed_transactions = 0
        self.committed_records = 0

    def init(self, timeout: float = 60.0) -> None:
        """Registers the ``transactional.id``: fences any older producer using it and settles its open transaction.

        After this returns, a transaction the previous owner of the id had asked to commit is committed and any
        other is aborted, so what ``read_committed`` consumers see of that writer is final.
        """
        if self._initialized:
            return
        try:
            self._producer.init_transactions(timeout)
        except KafkaException as error:
            raise TransactionError(
                f"cannot initialise transactions for {self.transactional_id!r} on topic {self.topic!r}: "
                f"{describe_error(error.args[0])}"
            ) from error
        self._initialized = True

    def publish(
        self,
        records: Iterable[tuple[str | None, str]],
        *,
        headers: Sequence[tuple[str, str]] = (),
        timeout: float = 30.0,
    ) -> int:
        """Sends every record in one transaction and commits it; returns how many were sent (0: no transaction).

        Any failure (the records iterable raising, a record too large, delivery or commit failing) aborts the
        transaction before the error propagates, so a failed call leaves nothing visible and can be retried.
        """
        if self._closed:
            raise RuntimeError(f"producer for topic {self.topic!r} is closed")
        if not self._initialized:
            raise RuntimeError(f"transactional producer {self.transactional_id!r}: call init() before publish()")
        encoded_headers = [(name, value.encode("utf-8")) for name, value in headers]
        sent = 0
        try:
            for key, message in records:
                if sent == 0:
                    self._producer.begin_transaction()
                produce_record(
                    self._producer, self.topic, key, message, self.max_message_bytes, headers=encoded_headers
                )
                sent += 1
            if sent:
                self._commit(timeout)
        except BaseException as error:
            if sent:
                self._abort(timeout, error)
            if isinstance(error, KafkaException):
                raise TransactionError(
                    f"transaction of {sent} record(s) to topic {self.topic!r} aborted: {describe_error(error.args[0])}"
                ) from error
            raise
        self.committed_transactions += sent > 0
        self.committed_records += sent
        return sent

    def close(self, timeout: float = 30.0) -> None:
        """Waits for anything in flight (there is none between transactions), then releases the client."""
        if self._closed:
            return
        self._closed = True
        try:
            self._producer.flush(timeout)
        finally:
            self._producer.purge()
            self._producer.poll(0)
            self._producer.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _commit(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._producer.commit_transaction(max(deadline - time.monotonic(), 0.1))
                return
            except KafkaException as error:
                kafka_error = error.args[0]
                # librdkafka marks a commit that may still succeed (timeout, coordinator moving) as retriable.
                if not (isinstance(kafka_error, KafkaError) and kafka_error.retriable()) or (
                    time.monotonic() > deadline
                ):
                    raise

    def _abort(self, timeout: float, cause: BaseException) -> None:
        try:
            self._producer.abort_transaction(timeout)
        except KafkaException as error:
            # A fenced or fatally failed producer cannot abort; the broker aborts on timeout or at the next init.
            log.error("aborting the transaction after %r failed too: %s", cause, describe_error(error.args[0]))


def produce_record(
    producer: Producer,
    topic: str,
    key: str | None,
    message: str,
    max_message_bytes: int,
    *,
    on_delivery: Any = None,
    headers: list[tuple[str, bytes]] | None = None,
) -> None:
    """``producer.produce`` with Oryx's size rule and back-pressure when librdkafka's local queue is full."""
    value = message.encode("utf-8", errors="surrogatepass")
    if len(value) > max_message_bytes:
        raise MessageTooLargeError(len(value), max_message_bytes)
    encoded_key = None if key is None else key.encode("utf-8", errors="surrogatepass")
    extra: dict[str, Any] = {}
    if on_delivery is not None:
        extra["on_delivery"] = on_delivery
    if headers:
        extra["headers"] = headers
    deadline = time.monotonic() + _QUEUE_FULL_WAIT_S
    while True:
        try:
            producer.produce(topic, value=value, key=encoded_key, **extra)
            return
        except BufferError:
            # librdkafka's local queue is full: serve callbacks so it drains, then retry.
            if time.monotonic() > deadline:
                raise DeliveryError(topic, ["local producer queue stayed full"], 1, _QUEUE_FULL_WAIT_S) from None
            producer.poll(0.1)
        except KafkaException as error:
            raise DeliveryError(topic, [describe_error(error.args[0])], 0) from error
