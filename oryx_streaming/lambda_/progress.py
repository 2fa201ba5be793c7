"""Monitoring: per-batch progress in the log and two small JSON files that ``oryx status`` and humans read.

``<state>/speed/progress.json`` is Spark's latest ``StreamingQueryProgress`` as Spark writes it (rows, durations,
Kafka offsets and lag per source), plus an ``oryx`` object with what Spark cannot know about the batch: rows in,
``UP`` updates out, time spent publishing and the latency from its oldest / newest line's Kafka timestamp to the
commit of its updates. ``<state>/speed/health.json`` is the process's own summary (status, running totals of
batches, rows in and updates out, the last batch's figures, model messages applied), rewritten after every batch
and at start and stop. Both files are replaced atomically, so a reader never sees half a file.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pyspark.sql.streaming import StreamingQueryListener
from pyspark.sql.streaming.listener import (
    QueryIdleEvent,
    QueryProgressEvent,
    QueryStartedEvent,
    QueryTerminatedEvent,
)

from oryx_core.config import state_dir

log = logging.getLogger(__name__)


def speed_dir() -> Path:
    return state_dir() / "speed"


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", "utf-8")
    os.replace(tmp, path)


def progress_summary(progress: dict[str, Any]) -> dict[str, Any]:
    """The few numbers worth a log line: rows, durations and the Kafka lag Spark reports per source."""
    lag = [
        int(source["metrics"]["maxOffsetsBehindLatest"])
        for source in progress.get("sources", [])
        if source.get("metrics", {}).get("maxOffsetsBehindLatest") is not None
    ]
    return {
        "batch_id": progress.get("batchId"),
        "rows": progress.get("numInputRows", 0),
        "rows_per_sec": round(float(progress.get("processedRowsPerSecond") or 0.0), 1),
        "duration_ms": progress.get("durationMs", {}),
        "max_offsets_behind": max(lag) if lag else None,
    }


class ProgressListener(StreamingQueryListener):
    """Logs each progress event of the speed query and keeps the latest one in ``progress.json``."""

    def __init__(
        self,
        query_name: str,
        path: Path | None = None,
        *,
        batch_report: Callable[[int], dict[str, Any] | None] | None = None,
    ) -> None:
        super().__init__()
        self._query_name = query_name
        self._path = path or speed_dir() / "progress.json"
        self._batch_report = batch_report

    def _ours(self, name: str | None) -> bool:
        return name == self._query_name

    def onQueryStarted(self, event: QueryStartedEvent) -> None:
        if self._ours(event.name):
            log.info("Query %s started (id %s, run %s)", event.name, event.id, event.runId)

    def onQueryProgress(self, event: QueryProgressEvent) -> None:
        if not self._ours(event.progress.name):
            return
        progress = json.loads(event.progress.json)
        report = self._batch_report(progress.get("batchId", -1)) if self._batch_report else None
        if report is not None:
            progress["oryx"] = report
        summary = progress_summary(progress)
        if summary["rows"]:
            log.info("Query %s progress: %s", self._query_name, summary)
        try:
            write_json_atomic(self._path, progress)
        except OSError as error:
            log.warning("Cannot write %s: %s", self._path, error)

    def onQueryIdle(self, event: QueryIdleEvent) -> None:
        """Idle triggers happen every interval without input; logging them would only add noise."""

    def onQueryTerminated(self, event: QueryTerminatedEvent) -> None:
        if event.exception:
            log.error("Query %s (run %s) terminated with: %s", self._query_name, event.runId, event.exception)
        else:
            log.info("Query %s (run %s) stopped", self._query_name, event.runId)


class HealthFile:
    """``health.json``: ``status`` plus whatever counters the process reports (see ``oryx status``)."""

    def __init__(self, path: Path | None = None, *, details: Callable[[], dict[str, Any]] | None = None) -> None:
        self.path = path or speed_dir() / "health.json"
        self._details = details or dict

    def write(self, status: str, **extra: Any) -> None:
        data = {"status": status, "pid": os.getpid(), "updated_at": round(time.time(), 3)}
        data.update(self._details())
        data.update(extra)
        try:
            write_json_atomic(self.path, data)
        except OSError as error:
            log.warning("Cannot write %s: %s", self.path, error)
