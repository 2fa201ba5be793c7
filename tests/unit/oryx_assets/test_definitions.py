"""The code location loads, and its asset graph only changes on purpose (snapshot of keys, deps and checks)."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import DefaultSensorStatus, Definitions

from oryx_assets.definitions import build_definitions
from oryx_assets.lambda_.automation import FAILURE_SENSOR, GENERATION_JOB, GENERATION_SENSOR, LAG_SENSOR
from oryx_assets.lambda_.rollback import ROLLBACK_JOB
from oryx_assets.resources import OryxConfigResource
from oryx_core.spark import CONNECTOR_ARTIFACTS

ASSET_GRAPH = {
    "input_window": [],
    "historical_data": ["input_window"],  # erasure: the window's requests rewrite the history first
    "train_test_split": ["historical_data", "input_window"],
    "tuned_model": ["historical_data", "train_test_split"],
    "published_model": ["historical_data", "input_window", "tuned_model"],
}
ROLLBACK_ASSETS = {"republished_model"}
"""Outside the generation graph: it publishes a retained generation's model again (``rollback_job``)."""
CHECKS = {
    ("input_window", "bad_line_ratio", False),
    ("tuned_model", "model_meets_threshold", True),
    ("tuned_model", "model_not_empty", True),
    ("tuned_model", "model_has_valid_score", True),
    ("tuned_model", "model_beats_baseline", True),
    ("tuned_model", "model_not_worse_than_published", True),
}


@pytest.fixture
def defs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Definitions:
    # Spark never starts here (the session is lazy), so empty stand-ins for the connector jars suffice.
    jars = tmp_path / "spark" / "jars"
    jars.mkdir(parents=True)
    for artifact in CONNECTOR_ARTIFACTS:
        (jars / f"{artifact}-0.jar").touch()
    monkeypatch.setenv("ORYX_STATE_DIR", str(tmp_path))
    return build_definitions(OryxConfigResource(overrides=["oryx.batch.streaming.generation-interval-sec=90"]))


def test_definitions_load(defs: Definitions) -> None:
    Definitions.validate_loadable(defs)


def test_asset_graph_matches_snapshot(defs: Definitions) -> None:
    graph = defs.resolve_asset_graph()
    deps = {
        key.to_user_string(): sorted(parent.to_user_string() for parent in graph.get(key).parent_keys)
        for key in graph.get_all_asset_keys()
    }
    assert deps == {**ASSET_GRAPH, **dict.fromkeys(ROLLBACK_ASSETS, [])}


def test_checks_match_snapshot_with_blocking_flags(defs: Definitions) -> None:
    graph = defs.resolve_asset_graph()
    checks = {
        (key.asset_key.to_user_string(), key.name, graph.get_check_spec(key).blocking) for key in graph.asset_check_keys
    }
    assert checks == CHECKS


def test_generation_job_runs_every_check(defs: Definitions) -> None:
    job = defs.resolve_job_def(GENERATION_JOB)
    assert {key.name for key in job.asset_layer.asset_graph.asset_check_keys} == {name for _, name, _ in CHECKS}


def test_every_asset_is_partitioned_by_generation(defs: Definitions) -> None:
    graph = defs.resolve_asset_graph()
    names = {graph.get(key).partitions_def.name for key in graph.get_all_asset_keys()}
    assert names == {"generations"}


def test_generation_job_covers_every_asset_but_the_roll_back(defs: Definitions) -> None:
    job = defs.resolve_job_def(GENERATION_JOB)
    assert {key.to_user_string() for key in job.asset_layer.executable_asset_keys} == set(ASSET_GRAPH)


def test_rollback_job_only_republishes_and_takes_a_generation(defs: Definitions) -> None:
    job = defs.resolve_job_def(ROLLBACK_JOB)
    assert {key.to_user_string() for key in job.asset_layer.executable_asset_keys} == ROLLBACK_ASSETS
    assert job.partitions_def is not None and job.partitions_def.name == "generations"


def test_sensor_interval_is_the_generation_interval(defs: Definitions) -> None:
    assert defs.resolve_sensor_def(GENERATION_SENSOR).minimum_interval_seconds == 90


def test_lag_sensor_is_stopped_unless_a_trigger_is_configured(defs: Definitions) -> None:
    assert defs.resolve_sensor_def(LAG_SENSOR).default_status == DefaultSensorStatus.STOPPED


def test_failure_sensor_watches_the_generation_job(defs: Definitions) -> None:
    assert defs.resolve_sensor_def(FAILURE_SENSOR).default_status == DefaultSensorStatus.RUNNING


def test_resources_cover_what_the_assets_ask_for(defs: Definitions) -> None:
    assert set(defs.resources or {}) == {"oryx", "kafka", "spark", "batch", "generation_io_manager"}
