"""The ``foreachBatch`` function: one micro-batch of input in, the app's ``UP`` messages out, exactly once.

Delivery guarantee: each batch's ``UP`` messages reach the topic exactly once, in one Kafka transaction tagged
with the batch; how a replayed batch is recognised is ``published.py``'s job (marker file and topic scan).

Model-load gating. A manager that reports ``fraction_loaded()`` (``oryx_core.api.speed.ReportsLoadFraction``)
gets no ``build_updates`` call while it is not ready by ``oryx_core.api.readiness.is_ready`` (no model, or a
fraction below ``oryx.speed.min-model-load-fraction``): the batch's input is consumed (Spark commits its
offsets) and no updates are produced for it, as Oryx 2's ALS speed layer returns no updates for input that
arrives before enough of the model has loaded. Such input is not replayed later; the next batch model
includes it.

Erasures. Tombstones (``oryx_core.input.erasure``) never reach ``build_updates``: an app implementing
``ErasesIDs`` forgets the IDs first, ready or not, and the batch's transaction starts with one ``ERASE`` per ID
(``erasures``). Expiry: after the updates, an app implementing ``ExpiresIDs`` names the IDs that left its
model by time, sent keyed ``EXPIRE`` in the same transaction.

Shutdown. ``query.stop()`` interrupts a running batch, so the process first calls :meth:`BatchPublisher.pause`,
which waits for the batch in flight to finish publishing and makes any later batch fail before it publishes
anything (Spark then leaves it uncommitted, to be replayed by the next run).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from oryx_core.api.readiness import is_ready
from oryx_core.api.speed import ErasesIDs, ExpiresIDs, ReportsLoadFraction, SpeedModelManager
from oryx_core.config import OryxConfig, topic_settings
from oryx_core.input.erasure import ERASE
from oryx_core.topics.messages import EXPIRE, UP
from oryx_core.topics.model_generation import generation_headers
from oryx_core.topics.producer import TransactionalProducer
from oryx_streaming.lambda_.erasures import ERASURES_COLUMN, split_erasures
from oryx_streaming.lambda_.published import (
    BATCH_HEADER,
    SCAN_MARGIN_MS,
    Marker,
    TagScan,
    kafka_tag_scan,
    marker_path,
    read_marker,
    tag_prefix,
    tagged_batch_id,
    write_marker,
)
from oryx_streaming.lambda_.query import transactional_id

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

log = logging.getLogger(__name__)

MIN_FRACTION_KEY = "oryx.speed.min-model-load-fraction"
SUMMARY_COLUMNS = (
    "count(*) AS rows",
    "unix_millis(min(timestamp)) AS first_ms",
    "unix_millis(max(timestamp)) AS last_ms",
    ERASURES_COLUMN,
)
"""One aggregation per batch: its size, the Kafka timestamps of its oldest and newest line (for latency) and
how many of its rows are erasure requests."""
_REPORTS_KEPT = 32


class UpdatePublisher(Protocol):
    """The part of ``TransactionalProducer`` (and of the unit tests' fake) that publishing needs."""

    def publish(self, records: Iterable[tuple[str | None, str]], *, headers: Sequence[tuple[str, str]] = ()) -> int:
        """Sends all records in one transaction, commits it and returns their number (0: nothing sent)."""
        ...


class BatchAbortedError(RuntimeError):
    """Raised for a batch that starts after shutdown began; Spark leaves it uncommitted, so it is replayed."""


@dataclass
class BatchStats:
    """Running counters since the process started, for logs, ``health.json`` and tests.

    ``last_duration_sec`` is the time spent in this function; ``last_latency_max_sec`` / ``_min_sec`` run from
    the Kafka timestamps of the batch's oldest / newest input line to the commit of its updates.
    """

    batches: int = 0
    empty_batches: int = 0
    replayed_batches: int = 0
    gated_batches: int = 0
    rows_in: int = 0
    updates_out: int = 0
    last_batch_id: int | None = None
    last_rows_in: int = 0
    last_updates_out: int = 0
    last_duration_sec: float = 0.0
    last_latency_min_sec: float | None = None
    last_latency_max_sec: float | None = None
    last_batch_at: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class BatchPublisher:
    """Callable handed to ``foreachBatch``: builds the app's updates for a batch and publishes them as ``UP``.

    Spark's query id is only known once the query has started, and the first batch may already be running by
    then, so the process calls :meth:`bind_query` right after ``start()`` and a batch waits for it.
    """

    def __init__(
        self,
        manager: SpeedModelManager,
        producer: UpdatePublisher,
        marker: Path | None,
        *,
        query_name: str,
        scan_tags: TagScan,
        query_id: str | None = None,
        min_model_load_fraction: float = 0.0,
        on_batch: Callable[[BatchStats], None] | None = None,
        bind_timeout: float = 60.0,
        model_generation: Callable[[], int | None] = lambda: None,
    ) -> None:
        self._manager = manager
        self._producer = producer
        self._marker_path = marker
        self._query_name = query_name
        self._scan_tags = scan_tags
        self._min_fraction = min_model_load_fraction
        self._on_batch = on_batch
        self._bind_timeout = bind_timeout
        self._model_generation = model_generation
        self._query_id = query_id
        self._bound = threading.Event()
        if query_id is not None:
            self._bound.set()
        self._marker = read_marker(marker)
        self._published: int | None = None
        self._checked_previous_run = False
        self._gated = False
        self._lock = threading.Lock()
        self._paused = False
        # Its own lock: Spark's listener thread asks for reports while a batch may hold ``_lock`` for long.
        self._reports_lock = threading.Lock()
        self._reports: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self.stats = BatchStats()

    @property
    def published_batch_id(self) -> int | None:
        """The last batch known to be on the topic (published by this process or found at its first batch)."""
        return self._published

    def bind_query(self, query_id: str) -> None:
        """Names the Spark query (its id is stable for the checkpoint's life) whose batches this publishes."""
        self._query_id = query_id
        self._bound.set()

    def batch_report(self, batch_id: int) -> dict[str, Any] | None:
        """Rows in, updates out and latencies of one recent batch, for ``progress.json``."""
        with self._reports_lock:
            report = self._reports.get(batch_id)
            return None if report is None else dict(report)

    def __call__(self, df: DataFrame, batch_id: int) -> None:
        with self._lock:
            if self._paused:
                raise BatchAbortedError(f"batch {batch_id} started after shutdown began; it will be replayed")
            prefix = self._tag_prefix()
            if self._already_published(batch_id, prefix):
                self.stats.replayed_batches += 1
                log.info("Skipping batch %d: already published (up to batch %d)", batch_id, self._published)
                return
            self._publish(df, batch_id, prefix)

    def pause(self) -> None:
        """Waits for the batch in flight (if any) to finish, then refuses new ones. Called once, at shutdown."""
        with self._lock:
            self._paused = True

    def _tag_prefix(self) -> str:
        if not self._bound.wait(self._bind_timeout):
            raise RuntimeError(f"query {self._query_name}: no query id bound within {self._bind_timeout:g}s")
        return tag_prefix(self._query_name, str(self._query_id))

    def _already_published(self, batch_id: int, prefix: str) -> bool:
        if not self._checked_previous_run:
            self._checked_previous_run = True
            self._published = self._previous_run(batch_id, prefix)
        return self._published is not None and batch_id <= self._published

    def _previous_run(self, batch_id: int, prefix: str) -> int | None:
        """The last batch a previous run of this query committed: the marker, or the topic when that is behind."""
        marker = self._marker
        if marker is not None and marker.query_id not in (None, self._query_id):
            log.warning("Ignoring marker of another query (%s); this checkpoint's query is %s", marker, prefix)
            marker = None
        if marker is not None and batch_id <= marker.batch_id:
            return marker.batch_id
        since_ms = None
        if marker is not None and marker.published_at is not None:
            since_ms = int(marker.published_at * 1000) - SCAN_MARGIN_MS
        ids = [tagged_batch_id(tag, prefix) for tag in self._scan_tags(since_ms)]
        found = max((i for i in ids if i is not None), default=None)
        known = marker.batch_id if marker is not None else None
        if found is not None and (known is None or found > known):
            log.warning(
                "Batch %d of %s is already committed on the update topic although the marker says %s: the previous "
                "run stopped between its commit and the marker; not publishing it again",
                found,
                self._query_name,
                known,
            )
            self._mark(found, 0)
            return found
        return known

    def _publish(self, df: DataFrame, batch_id: int, prefix: str) -> None:
        started = time.monotonic()
        # Persisted so the summary and the app's own reads share one pass over the Kafka range.
        df.persist()
        try:
            rows, first_ms, last_ms, erasures = batch_summary(df)
            # Read before the updates are built: a model that replaces this one meanwhile (a roll back) must
            # find them tagged with the generation they were computed from (oryx_core.topics.model_generation).
            generation = generation_headers(self._model_generation())
            lines, erase_messages = self._erase(df) if erasures else (df, [])
            updates = 0
            ready = rows > erasures and self._model_ready(batch_id)
            if ready or erase_messages:
                built = list(self._manager.build_updates(lines)) if ready else []
                expired = self._expired() if ready else []
                updates = self._producer.publish(
                    chain(erase_messages, ((UP, message) for message in built), expired),
                    headers=[(BATCH_HEADER, f"{prefix}{batch_id}"), *generation],
                )
        finally:
            df.unpersist()
        self._mark(batch_id, updates)
        self._record(batch_id, rows, updates, time.monotonic() - started, first_ms, last_ms)

    def _erase(self, df: DataFrame) -> tuple[DataFrame, list[tuple[str, str]]]:
        """The batch's lines without its erasure requests, and the ``ERASE`` messages that go out first
        (``oryx_core.api.speed.ErasesIDs``); an app that holds no data subjects sends none."""
        lines, erased = split_erasures(df)
        if not erased:
            return lines, []
        if not isinstance(self._manager, ErasesIDs):
            log.warning("Erasure of %d ID(s) requested; this app's speed layer holds no IDs to erase", len(erased))
            return lines, []
        self._manager.erase(list(erased))
        log.info("Erased %d ID(s) from the speed layer's model", len(erased))
        return lines, [(ERASE, id_) for id_ in erased]

    def _expired(self) -> list[tuple[str, str]]:
        """``EXPIRE`` messages of an app bounding its IDs by time (``oryx_core.api.speed.ExpiresIDs``)."""
        if not isinstance(self._manager, ExpiresIDs):
            return []
        return [(EXPIRE, message) for message in self._manager.expire(int(time.time() * 1000))]

    def _model_ready(self, batch_id: int) -> bool:
        """False while a manager reporting its load fraction is not ready (``oryx_core.api.readiness``)."""
        if not isinstance(self._manager, ReportsLoadFraction):
            return True
        fraction = self._manager.fraction_loaded()
        ready = is_ready(fraction, self._min_fraction)
        if ready == self._gated:  # log transitions only: a slow model load would otherwise log every batch
            self._gated = not ready
            if ready:
                log.info("Model loaded to %s (minimum %.3f): producing updates again", fraction, self._min_fraction)
            else:
                log.warning(
                    "Model loaded to %s only (None: no model), below oryx.speed.min-model-load-fraction %.3f: "
                    "batches are consumed "
                    "without updates until it has loaded (batch %d)",
                    fraction,
                    self._min_fraction,
                    batch_id,
                )
        if not ready:
            self.stats.gated_batches += 1
        return ready

    def _mark(self, batch_id: int, updates: int) -> None:
        self._published = batch_id
        if self._marker_path is not None:
            self._marker = Marker(batch_id, time.time(), self._query_id)
            write_marker(self._marker_path, self._marker, updates)

    def _record(
        self, batch_id: int, rows: int, updates: int, duration: float, first_ms: int | None, last_ms: int | None
    ) -> None:
        now_ms = time.time() * 1000
        stats = self.stats
        stats.batches += 1
        stats.empty_batches += rows == 0
        stats.rows_in += rows
        stats.updates_out += updates
        stats.last_batch_id = batch_id
        stats.last_rows_in = rows
        stats.last_updates_out = updates
        stats.last_duration_sec = round(duration, 3)
        stats.last_latency_min_sec = None if last_ms is None else round((now_ms - last_ms) / 1000, 3)
        stats.last_latency_max_sec = None if first_ms is None else round((now_ms - first_ms) / 1000, 3)
        stats.last_batch_at = round(now_ms / 1000, 3)
        with self._reports_lock:
            self._reports[batch_id] = {
                "batch_id": batch_id,
                "rows_in": rows,
                "updates_out": updates,
                "duration_sec": stats.last_duration_sec,
                "latency_min_sec": stats.last_latency_min_sec,
                "latency_max_sec": stats.last_latency_max_sec,
            }
            while len(self._reports) > _REPORTS_KEPT:
                self._reports.popitem(last=False)
        log.info(
            "Batch %d: %d rows in, %d updates out in %.3f s (line latency %s-%s s)",
            batch_id,
            rows,
            updates,
            duration,
            stats.last_latency_min_sec,
            stats.last_latency_max_sec,
        )
        if self._on_batch is not None:
            try:
                self._on_batch(stats)
            except Exception:  # monitoring must never fail a batch that is already published
                log.exception("Batch %d: the on_batch hook failed", batch_id)


def batch_summary(df: DataFrame) -> tuple[int, int | None, int | None, int]:
    """``(rows, oldest, newest, erasures)``: the batch's size, its lines' Kafka timestamps in epoch milliseconds
    and how many rows are erasure requests."""
    row = df.selectExpr(*SUMMARY_COLUMNS).first()
    if row is None:
        return 0, None, None, 0
    first_ms, last_ms = row["first_ms"], row["last_ms"]
    return (
        int(row["rows"]),
        None if first_ms is None else int(first_ms),
        None if last_ms is None else int(last_ms),
        int(row["erasures"] or 0),
    )


def kafka_publisher(
    config: OryxConfig,
    manager: SpeedModelManager,
    *,
    name: str,
    checkpoint: str,
    on_batch: Callable[[BatchStats], None] | None = None,
    model_generation: Callable[[], int | None] = lambda: None,
) -> tuple[BatchPublisher, TransactionalProducer]:
    """The publisher ``python -m oryx_streaming`` runs, and its producer (already ``init``-ed; the caller closes it).

    ``init`` runs before the query starts so that the scan of a first batch sees the previous run's transactions
    settled, and so that a broker refusing transactions stops the process before Spark starts.
    """
    topics = topic_settings(config)
    if topics.update_broker is None or topics.update_topic is None:
        raise ValueError("the speed layer needs oryx.update-topic.broker and oryx.update-topic.message.topic")
    producer = TransactionalProducer(
        topics.update_broker,
        topics.update_topic,
        transactional_id(config, name),
        max_message_bytes=topics.max_message_bytes,
        client_id=name,
    )
    try:
        producer.init()
    except BaseException:
        producer.close(timeout=1.0)
        raise
    publisher = BatchPublisher(
        manager,
        producer,
        marker_path(checkpoint),
        query_name=name,
        scan_tags=kafka_tag_scan(topics.update_broker, topics.update_topic, max_message_bytes=topics.max_message_bytes),
        min_model_load_fraction=config.get_float(MIN_FRACTION_KEY),
        on_batch=on_batch,
        model_generation=model_generation,
    )
    return publisher, producer
