"""Which speed-layer batches are already on the update topic: the marker file beside the checkpoint and the header
every batch's ``UP`` messages carry, read back after a crash so that no batch is published twice.

Delivery guarantee. Structured Streaming records a batch's offsets before running it and commits it after the
``foreachBatch`` function (``batches.BatchPublisher``) returns; a crash in between replays the batch with the same
id and the same offsets. Each batch's ``UP`` messages go out in one Kafka transaction, every message carrying the
header ``oryx.speed.batch = <queryName>:<query id>:<batch id>`` (headers are invisible to Oryx 2 consumers, which
read only key and value). Update-topic consumers read ``read_committed``, so a batch the process was killed in the
middle of is never seen, and the restarted process, registering the same ``transactional.id``, aborts it. Before
publishing, a batch already committed is recognised and skipped:

1. by the marker ``<checkpoint>/oryx-published-batch``, written after each commit (the fast path);
2. when the marker is behind the batch (the crash fell between the commit and the marker write, or the
   checkpoint is not on the local file system, so there is no marker), by scanning the committed tail of the
   update topic for this query's batch headers. That happens once per process, for its first batch, and after
   the producer's ``init`` has settled whatever transaction the dead process left open. Within a process the
   publisher knows what it committed itself.

So each input line's updates reach the topic once: never lost (a batch is only marked after its commit), never
twice. The scan reads the records written since the marker's batch was published (with a margin for clock
steps), or, with no marker, the last ``SCAN_MAX_RECORDS`` offsets of each partition. Only that last case is a
bound that could miss a published batch: over ``SCAN_MAX_RECORDS`` records written to the update topic by
others between the crash and the restart of a speed layer checkpointing to a non-local file system. Spark's
query id is part of the header because a new checkpoint restarts batch ids at 0 and must not mistake an old
query's batches for its own.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from oryx_core.topics.header_scan import header_values

log = logging.getLogger(__name__)

MARKER_FILE = "oryx-published-batch"
BATCH_HEADER = "oryx.speed.batch"
SCAN_MAX_RECORDS = 100_000
"""Offsets per partition the restart scan reads when no marker tells it where the last batch was published."""
SCAN_MARGIN_MS = 300_000
"""How far before the marker's publication time the scan starts, for clock steps between runs."""

TagScan = Callable[[int | None], Iterable[str]]
"""``since_ms -> values of the batch header`` on the update topic's committed tail (see ``kafka_tag_scan``)."""


@dataclass(frozen=True)
class Marker:
    """What the side file says: the last batch fully published, when, and by which query (Spark's query id)."""

    batch_id: int
    published_at: float | None = None
    query_id: str | None = None


def marker_path(checkpoint: str | os.PathLike[str]) -> Path | None:
    """The side file beside Spark's checkpoint, or None when the checkpoint is not on the local file system."""
    text = os.fspath(checkpoint)
    if text.startswith("file://"):
        text = text[len("file://") :]
    elif text.startswith("file:"):
        text = text[len("file:") :]
    elif "://" in text:
        return None
    return Path(text) / MARKER_FILE


def read_marker(path: Path | None) -> Marker | None:
    """The marker's content, or None when nothing was published (or the marker is unreadable)."""
    if path is None or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text("utf-8"))
        published_at = data.get("published_at")
        return Marker(
            int(data["batch_id"]),
            None if published_at is None else float(published_at),
            data.get("query_id"),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        log.warning("Ignoring unreadable published-batch marker %s: %s", path, error)
        return None


def read_published_batch(path: Path | None) -> int | None:
    """The last batch id fully published according to the marker, or None."""
    marker = read_marker(path)
    return None if marker is None else marker.batch_id


def write_marker(path: Path, marker: Marker, updates: int) -> None:
    """Atomically records that ``marker.batch_id`` is on the broker (write a temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    data = {**asdict(marker), "updates": updates}
    tmp.write_text(json.dumps(data), "utf-8")
    os.replace(tmp, path)


def tag_prefix(query_name: str, query_id: str) -> str:
    """The part of the ``oryx.speed.batch`` header shared by every batch of one query: ``<name>:<query id>:``."""
    return f"{query_name}:{query_id}:"


def tagged_batch_id(tag: str, prefix: str) -> int | None:
    """The batch id in ``tag`` when it belongs to the query ``prefix`` names (``<name>:<id>:``), else None."""
    if not tag.startswith(prefix):
        return None
    try:
        return int(tag[len(prefix) :])
    except ValueError:
        return None


def kafka_tag_scan(brokers: str, topic: str, *, max_message_bytes: int) -> TagScan:
    """The production ``TagScan``: time-bounded after a marker, count-bounded without one."""

    def scan(since_ms: int | None) -> list[str]:
        return header_values(
            brokers,
            topic,
            BATCH_HEADER,
            since_ms=since_ms,
            max_records=SCAN_MAX_RECORDS if since_ms is None else None,
            max_message_bytes=max_message_bytes,
        )

    return scan
