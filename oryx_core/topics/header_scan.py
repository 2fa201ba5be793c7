"""The values of one header on the committed records at the end of a topic.

This is how the speed layer finds out, after a crash, which micro-batches its transactions already published:
each transaction's records carry the batch's tag as a header. Read ``read_committed`` (see ``consumer``), so a
transaction still open elsewhere is neither waited for nor counted.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence

from confluent_kafka import KafkaError, KafkaException, TopicPartition

from oryx_core.topics.consumer import READ_COMMITTED, TopicClient, consumer_config
from oryx_core.topics.messages import DEFAULT_MAX_MESSAGE_BYTES

log = logging.getLogger(__name__)


def header_values(
    brokers: str,
    topic: str,
    header: str,
    *,
    max_records: int | None = None,
    since_ms: int | None = None,
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    idle_timeout: float = 30.0,
) -> list[str]:
    """Values of ``header`` on the committed records at the end of ``topic``, in offset order per partition.

    Each partition is read from the later of two bounds, whichever are given: ``max_records`` before its end,
    and the first record written at or after ``since_ms`` (epoch milliseconds). With neither, the whole
    partition is read. Reading stops at the last stable offset (``read_committed``), so a transaction still
    open elsewhere is neither waited for nor counted; a partition that stops answering for ``idle_timeout``
    seconds raises ``TimeoutError`` rather than returning a partial answer.
    """
    config = consumer_config(brokers, f"oryx-header-scan-{uuid.uuid4()}", max_message_bytes=max_message_bytes)
    config.update({"isolation.level": READ_COMMITTED, "enable.partition.eof": True})
    with TopicClient(config, topic) as client:
        starts = _scan_starts(client, max_records, since_ms)
        return _read_headers(client, starts, header, idle_timeout)


def _scan_starts(client: TopicClient, max_records: int | None, since_ms: int | None) -> dict[int, int]:
    """Where the scan of each partition begins; partitions with nothing to read are left out."""
    watermarks = client.watermarks()
    starts = {p: low for p, (low, _) in watermarks.items()}
    if max_records is not None:
        starts = {p: max(low, high - max_records) for p, (low, high) in watermarks.items()}
    if since_ms is not None:
        wanted = [TopicPartition(client.topic, p, since_ms) for p in watermarks]
        # -1: no record at or after that time, so nothing in the partition is recent enough.
        for tp in client.consumer.offsets_for_times(wanted, timeout=10.0):
            at = watermarks[tp.partition][1] if tp.offset < 0 else tp.offset
            starts[tp.partition] = max(starts[tp.partition], at)
    return {p: start for p, start in starts.items() if start < watermarks[p][1]}


def _read_headers(client: TopicClient, starts: Mapping[int, int], header: str, idle_timeout: float) -> list[str]:
    if not starts:
        return []
    consumer = client.consumer
    consumer.assign([TopicPartition(client.topic, p, start) for p, start in starts.items()])
    pending = set(starts)
    values: list[str] = []

    def stalled() -> str:
        return (
            f"scanning {client.topic!r} for header {header!r}: partitions {sorted(pending)} gave no records "
            f"and no end for {idle_timeout:g}s"
        )

    for records in client.batches(idle_timeout, stalled):
        for record in records:
            error = record.error()
            if error is not None and error.code() == KafkaError._PARTITION_EOF:
                pending.discard(record.partition())
            elif error is not None:
                if error.fatal():
                    raise KafkaException(error)
                log.warning("scanning topic %r: %s", client.topic, error.str())
            else:
                values.extend(_header_values(record.headers(), header))
        if not pending:
            break
    return values


def _header_values(headers: Sequence[tuple[str, bytes | None]] | None, name: str) -> list[str]:
    return [bytes(value).decode("utf-8", errors="replace") for key, value in headers or () if key == name and value]
