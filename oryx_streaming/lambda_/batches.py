"""The ``foreachBatch`` function: one micro-batch of input in, the app's ``UP`` messages out.

Delivery guarantee. Structured Streaming records a batch's offsets before running it and commits it after this
function returns; a crash in between replays the batch with the same id and the same offsets. This function
flushes every ``UP`` to the broker *before* it returns, and only then writes the batch id to
``<checkpoint>/oryx-published-batch``. On replay a batch id at or below that marker is skipped, so a batch that
was fully published is never published twice, even across restarts. A crash after some sends but before the
marker replays the batch and sends its updates again: delivery is at-least-once, with duplicates limited to
that one interrupted batch. ``UP`` consumers (Oryx 2's serving and speed layers) overwrite state with the
latest value, so such a duplicate is harmless.

Shutdown. ``query.stop()`` interrupts a running batch, so the process first calls :meth:`BatchPublisher.pause`,
which waits for the batch in flight to finish publishing and makes any later batch fail before it publishes
anything (Spark then leaves it uncommitted, to be replayed by the next run).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from oryx_core.api.speed import SpeedModelManager
from oryx_core.topics.messages import UP

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

log = logging.getLogger(__name__)

MARKER_FILE = "oryx-published-batch"


class UpdateProducer(Protocol):
    """The part of ``TopicProducer`` (and of its in-memory fake) that publishing needs."""

    def send(self, key: str, message: str) -> None: ...

    def flush(self, timeout: float = ...) -> Any: ...


class BatchAbortedError(RuntimeError):
    """Raised for a batch that starts after shutdown began; Spark leaves it uncommitted, so it is replayed."""


@dataclass
class BatchStats:
    """Running counters since the process started, for logs, ``health.json`` and tests."""

    batches: int = 0
    empty_batches: int = 0
    replayed_batches: int = 0
    rows_in: int = 0
    updates_out: int = 0
    last_batch_id: int | None = None
    last_rows_in: int = 0
    last_updates_out: int = 0
    last_latency_sec: float = 0.0
    last_batch_at: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


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


def read_published_batch(path: Path | None) -> int | None:
    """The last batch id fully published, or None when nothing was (or the marker is unreadable)."""
    if path is None or not path.is_file():
        return None
    try:
        return int(json.loads(path.read_text("utf-8"))["batch_id"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.warning("Ignoring unreadable published-batch marker %s: %s", path, error)
        return None


def write_published_batch(path: Path, batch_id: int, updates: int) -> None:
    """Atomically records that ``batch_id`` is on the broker (write a temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"batch_id": batch_id, "updates": updates, "published_at": time.time()}), "utf-8")
    os.replace(tmp, path)


class BatchPublisher:
    """Callable handed to ``foreachBatch``: builds the app's updates for a batch and publishes them as ``UP``."""

    def __init__(
        self,
        manager: SpeedModelManager,
        producer: UpdateProducer,
        marker: Path | None,
        *,
        flush_timeout: float = 30.0,
        on_batch: Callable[[BatchStats], None] | None = None,
    ) -> None:
        self._manager = manager
        self._producer = producer
        self._marker = marker
        self._flush_timeout = flush_timeout
        self._on_batch = on_batch
        self._published = read_published_batch(marker)
        self._lock = threading.Lock()
        self._paused = False
        self.stats = BatchStats()
        if marker is None:
            log.warning("Checkpoint is not on the local file system: replayed batches may publish duplicates")

    @property
    def published_batch_id(self) -> int | None:
        return self._published

    def __call__(self, df: DataFrame, batch_id: int) -> None:
        with self._lock:
            if self._paused:
                raise BatchAbortedError(f"batch {batch_id} started after shutdown began; it will be replayed")
            if self._published is not None and batch_id <= self._published:
                self.stats.replayed_batches += 1
                log.info("Skipping batch %d: already published (marker at %d)", batch_id, self._published)
                return
            self._publish(df, batch_id)

    def pause(self) -> None:
        """Waits for the batch in flight (if any) to finish, then refuses new ones. Called once, at shutdown."""
        with self._lock:
            self._paused = True

    def _publish(self, df: DataFrame, batch_id: int) -> None:
        started = time.monotonic()
        # Persisted so the row count and the app's own reads share one pass over the Kafka range.
        df.persist()
        try:
            rows = df.count()
            updates = 0 if rows == 0 else self._send(self._manager.build_updates(df))
        finally:
            df.unpersist()
        if updates:
            self._producer.flush(self._flush_timeout)
        if self._marker is not None:
            write_published_batch(self._marker, batch_id, updates)
        self._published = batch_id
        self._record(batch_id, rows, updates, time.monotonic() - started)

    def _send(self, messages: Iterable[str]) -> int:
        sent = 0
        for message in messages:
            self._producer.send(UP, message)
            sent += 1
        return sent

    def _record(self, batch_id: int, rows: int, updates: int, latency: float) -> None:
        stats = self.stats
        stats.batches += 1
        stats.empty_batches += rows == 0
        stats.rows_in += rows
        stats.updates_out += updates
        stats.last_batch_id = batch_id
        stats.last_rows_in = rows
        stats.last_updates_out = updates
        stats.last_latency_sec = round(latency, 3)
        stats.last_batch_at = time.time()
        log.info("Batch %d: %d rows in, %d updates out in %.3f s", batch_id, rows, updates, latency)
        if self._on_batch is not None:
            try:
                self._on_batch(stats)
            except Exception:  # monitoring must never fail a batch that is already published
                log.exception("Batch %d: the on_batch hook failed", batch_id)
