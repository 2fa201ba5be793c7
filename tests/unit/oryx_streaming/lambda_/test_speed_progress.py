"""Monitoring files: progress.json from Spark's progress events, health.json from the process's counters."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from oryx_streaming.lambda_.progress import HealthFile, ProgressListener, progress_summary

PROGRESS = {
    "name": "oryx-speed-example",
    "batchId": 4,
    "numInputRows": 12,
    "processedRowsPerSecond": 24.04,
    "durationMs": {"triggerExecution": 500},
    "sources": [
        {"metrics": {"maxOffsetsBehindLatest": "3"}},
        {"metrics": {"maxOffsetsBehindLatest": "9"}},
    ],
}


def progress_event(progress: dict[str, object]) -> SimpleNamespace:
    return SimpleNamespace(progress=SimpleNamespace(name=progress["name"], json=json.dumps(progress)))


def test_summary_reports_rows_durations_and_worst_lag() -> None:
    assert progress_summary(PROGRESS) == {
        "batch_id": 4,
        "rows": 12,
        "rows_per_sec": 24.0,
        "duration_ms": {"triggerExecution": 500},
        "max_offsets_behind": 9,
    }


def test_listener_writes_the_latest_progress_of_its_query(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    ProgressListener("oryx-speed-example", path).onQueryProgress(progress_event(PROGRESS))  # type: ignore[arg-type]
    assert json.loads(path.read_text())["batchId"] == 4


def test_listener_ignores_other_queries(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    other = {**PROGRESS, "name": "someone-else"}
    ProgressListener("oryx-speed-example", path).onQueryProgress(progress_event(other))  # type: ignore[arg-type]
    assert not path.exists()


def test_health_file_holds_status_and_details(tmp_path: Path) -> None:
    health = HealthFile(tmp_path / "speed" / "health.json", details=lambda: {"batches": 3})
    health.write("running")
    data = json.loads((tmp_path / "speed" / "health.json").read_text())
    assert (data["status"], data["batches"]) == ("running", 3)


def test_listener_adds_the_publishers_figures_for_the_batch(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    reports = {4: {"batch_id": 4, "rows_in": 12, "updates_out": 30, "latency_max_sec": 1.5}}
    listener = ProgressListener("oryx-speed-example", path, batch_report=reports.get)
    listener.onQueryProgress(progress_event(PROGRESS))  # type: ignore[arg-type]
    oryx = json.loads(path.read_text())["oryx"]
    assert (oryx["rows_in"], oryx["updates_out"], oryx["latency_max_sec"]) == (12, 30, 1.5)
