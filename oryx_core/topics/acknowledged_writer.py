"""Writes a caller acknowledges: each call waits for its own records within a bound, and leaves nothing queued
that could still arrive after it gave up.

The serving layer answers a write (``/ingest``, ``/pref``, ``/add``, ``/train``...) 2xx only once the broker holds
every line, else 503, and clients retry a 503. Two rules keep that retry from doubling lines:

* librdkafka's own delivery timeout (``message.timeout.ms``) is the call's bound, so a line the broker did not
  take in time is failed by librdkafka itself, not kept queued for its default five minutes and delivered after
  the 503 (a retrying client doubled 2,000 of 5,000 lines that way across a broker outage); whatever is still
  queued when the call gives up is purged;
* every call tracks the outcomes of its own records: one request never collects another's failures, so a line
  that failed is never acknowledged because a concurrent request's flush consumed the failure report.

What remains: a record already sent when the broker died may or may not have been written (librdkafka's
"possibly persisted"); nothing can tell, so such a line may land and be sent again by the retry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

from confluent_kafka import Producer

from oryx_core.topics.delivery import DeliveryOutcomes
from oryx_core.topics.messages import DEFAULT_MAX_MESSAGE_BYTES
from oryx_core.topics.producer import DeliveryError, produce_record, producer_config

Headers = Sequence[tuple[str, bytes]]
"""Kafka record headers, as ``(name, value)`` pairs."""

OUTCOME_GRACE_S = 2.0
"""How long past the delivery timeout a call waits for librdkafka to report the records it timed out."""


class AcknowledgedWriter:
    """Writes groups of string key/value records to one topic; ``write`` returns once the broker acknowledged
    every record of the group, or raises ``DeliveryError`` within about ``timeout_s``. Thread-safe."""

    def __init__(
        self,
        brokers: str,
        topic: str,
        *,
        timeout_s: float,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        linger_ms: int = 5,
        client_id: str = "oryx",
    ) -> None:
        self.topic = topic
        self.timeout_s = timeout_s
        self.max_message_bytes = max_message_bytes
        config = producer_config(brokers, max_message_bytes=max_message_bytes, linger_ms=linger_ms, client_id=client_id)
        config["message.timeout.ms"] = max(1, int(timeout_s * 1000))
        self._producer = Producer(config)
        self._closed = False

    def write(self, records: Sequence[tuple[str | None, str]], headers: Sequence[Headers] | None = None) -> None:
        """Sends ``records`` (with ``headers[i]`` on record i, when given) and waits for each one's
        acknowledgement; raises ``DeliveryError`` if any failed or none came in time (then nothing of this call is
        left queued)."""
        if self._closed:
            raise RuntimeError(f"writer for topic {self.topic!r} is closed")
        outcomes = DeliveryOutcomes()
        for index, (key, message) in enumerate(records):
            outcomes.expect()
            try:
                produce_record(
                    self._producer,
                    self.topic,
                    key,
                    message,
                    self.max_message_bytes,
                    on_delivery=outcomes.report,
                    headers=None if headers is None else list(headers[index]),
                )
            except BaseException:
                outcomes.cancel()
                self._give_up(outcomes)
                raise
        outcomes.wait(self._producer, self.timeout_s + OUTCOME_GRACE_S)
        if outcomes.pending > 0 or outcomes.failures:
            self._give_up(outcomes)
            raise DeliveryError(self.topic, outcomes.failures, outcomes.pending, self.timeout_s)

    def _give_up(self, outcomes: DeliveryOutcomes) -> None:
        """Drops what is still queued, so no record of a failed call reaches the broker later."""
        if outcomes.pending > 0:
            self._producer.purge(in_queue=True, in_flight=False)
            self._producer.poll(0)

    def close(self, timeout: float = 30.0) -> None:
        if self._closed:
            return
        self._closed = True
        self._producer.flush(timeout)
        self._producer.purge()
        self._producer.poll(0)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
