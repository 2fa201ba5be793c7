"""Runs one generation now, through the same job, assets and resources the Dagster UI and sensor use.

Runs are recorded in the persistent Dagster instance under ``$DAGSTER_HOME`` (default
``<state>/dagster``), so a generation started from the command line shows up in the UI like any other.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dagster import AssetCheckSeverity, DagsterInstance

from oryx_assets.definitions import build_definitions
from oryx_assets.lambda_.automation import GENERATION_JOB, start_generation
from oryx_assets.lambda_.rollback import ROLLBACK_JOB
from oryx_assets.resources import OryxConfigResource
from oryx_core.config import state_dir

BLOCKING_CHECKS = frozenset(
    {"model_meets_threshold", "model_not_empty", "model_has_valid_score", "model_beats_baseline"}
)


@dataclass
class GenerationSummary:
    """What one generation did, per asset: the metadata Dagster recorded for each materialization."""

    partition_key: str
    success: bool
    assets: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    failed_checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Checks that failed with ERROR severity, with their metadata (a failed blocking check stops publication)."""
    warned_checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Checks that failed with WARN severity: shown, but they stop nothing."""

    @property
    def status(self) -> str:
        if self.success:
            return "succeeded"
        return "REJECTED: nothing published" if set(self.failed_checks) & BLOCKING_CHECKS else "FAILED"

    def _search_lines(self) -> list[str]:
        tuned = self.assets.get("tuned_model", {})
        if not tuned.get("ml_app"):
            return []
        lines = []
        if "test_source" in tuned:
            lines.append(f"  test lines: {tuned.get('test_rows', 0)} ({tuned['test_source']})")
        if "candidates" in tuned:
            score = tuned.get("score", "not evaluated")
            lines.append(f"  best candidate: score {score}, hyperparameters {tuned.get('hyperparams', {})}")
        if "note" in tuned:
            lines.append(f"  no model kept: {tuned['note']}")
        return lines

    def lines(self) -> list[str]:
        window = self.assets.get("input_window", {})
        history = self.assets.get("historical_data", {})
        model = self.assets.get("published_model", {})
        return [
            f"generation {self.partition_key} {self.status}",
            f"  new input lines: {window.get('rows', '?')} ({window.get('window_path', '-')})",
            f"  past input lines: {history.get('rows', '?')} in {history.get('windows', '?')} window(s)",
            *self._search_lines(),
            f"  model built: {model.get('model_built', False)}, published: {model.get('published', False)}",
            *(f"  {k}: {v}" for k, v in model.items() if k not in {"model_built", "published", "reason"}),
            *(f"  check {name} failed: {meta}" for name, meta in self.failed_checks.items()),
            *(f"  check {name} warned: {meta}" for name, meta in self.warned_checks.items()),
            *(f"  error: {error}" for error in self.errors),
        ]


def dagster_home() -> Path:
    """``$DAGSTER_HOME``, defaulting to ``<state>/dagster``; created with an empty ``dagster.yaml`` if missing."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(state_dir() / "dagster")))
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").touch(exist_ok=True)
    return home


def run_generation(
    oryx: OryxConfigResource,
    instance: DagsterInstance,
    timestamp_ms: int | None = None,
    *,
    job_name: str = GENERATION_JOB,
) -> GenerationSummary:
    """Adds the generation's partition and executes ``generation_job`` (or ``job_name``) for it in this process."""
    key = start_generation(instance, timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    job = build_definitions(oryx).resolve_job_def(job_name)
    result = job.execute_in_process(partition_key=key, instance=instance, raise_on_error=False)
    summary = GenerationSummary(key, result.success)
    for event in result.get_asset_materialization_events():
        metadata = event.materialization.metadata
        summary.assets[event.asset_key.to_user_string()] = {name: value.value for name, value in metadata.items()}
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed:
            failed = summary.failed_checks if evaluation.severity == AssetCheckSeverity.ERROR else summary.warned_checks
            failed[evaluation.check_name] = {k: v.value for k, v in evaluation.metadata.items()}
    for failure in result.get_step_failure_events():
        summary.errors.append(f"{failure.step_key}: {_root_cause(failure.step_failure_data.error)}")
    return summary


def run_rollback(oryx: OryxConfigResource, instance: DagsterInstance, timestamp_ms: int) -> GenerationSummary:
    """Executes ``rollback_job`` for an earlier generation: its retained model is published again."""
    return run_generation(oryx, instance, timestamp_ms, job_name=ROLLBACK_JOB)


def rollback_lines(summary: GenerationSummary) -> list[str]:
    republished = summary.assets.get("republished_model", {})
    status = "succeeded" if summary.success else "FAILED"
    return [
        f"roll back to generation {summary.partition_key} {status}",
        *(f"  {key}: {value}" for key, value in republished.items()),
        *(f"  error: {error}" for error in summary.errors),
    ]


def _root_cause(error: Any) -> str:
    """Dagster wraps the asset's exception; the innermost one is what the operator needs to read."""
    if error is None:
        return "failed"
    while error.cause is not None:
        error = error.cause
    return error.message.strip()
