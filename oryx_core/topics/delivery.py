"""Waiting for the broker's verdict on a caller's own records, whichever thread serves the delivery reports.

librdkafka reports each record's delivery through a callback run inside some thread's ``poll``; in a shared
producer that may be another thread's. ``DeliveryOutcomes`` collects the reports of one call's records and waits
in short polls (our own poll might otherwise sleep to the deadline while another thread serves our callback).
Used by ``TopicProducer.send_sync`` (one record) and ``AcknowledgedWriter.write`` (a request's records).
"""

from __future__ import annotations

import threading
import time

from confluent_kafka import KafkaError, Message, Producer

_POLL_SLICE_S = 0.005
"""A waiter's poll returns early only for a report it serves itself; one another thread served (for this call's
records) is seen at the end of the slice. At 50 ms, eight concurrent ``/pref`` clients waited 34 ms at the
median for a 5 ms acknowledgement; a 5 ms slice costs a waiting thread 200 wake-ups a second, for the few
milliseconds it waits."""


def describe_error(error: object) -> str:
    if isinstance(error, KafkaError):
        return f"{error.name()}: {error.str()}"
    return str(error)


class DeliveryOutcomes:
    """The delivery reports of one call's records: how many are still unreported, and the failures."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.pending = 0
        self.failures: list[str] = []

    def expect(self) -> None:
        """One more record handed to the producer (call before ``produce``: its report may come at once)."""
        with self._lock:
            self.pending += 1

    def cancel(self) -> None:
        """An expected record that ``produce`` refused: no report will come for it."""
        with self._lock:
            self.pending -= 1

    def report(self, error: KafkaError | None, _record: Message) -> None:
        """The delivery callback."""
        with self._lock:
            self.pending -= 1
            if error is not None:
                self.failures.append(describe_error(error))

    def wait(self, producer: Producer, timeout: float) -> None:
        """Polls until every expected record is reported or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        while self.pending > 0 and (left := deadline - time.monotonic()) > 0:
            producer.poll(min(_POLL_SLICE_S, left))
