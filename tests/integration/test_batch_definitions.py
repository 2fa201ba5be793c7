"""The code location as the Dagster UI loads it: graph, checks and sensors, and a generation run through its job.

A plain ``BatchLayerUpdate`` (the word-count example) runs through the same graph as an ML app: the ML
assets materialize as pass-throughs and ``published_model`` calls ``run_update``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from batch_support import batch_overrides, produce, update_messages
from dagster import DagsterInstance, Definitions

from oryx_assets.definitions import build_definitions
from oryx_assets.generation import run_generation
from oryx_assets.lambda_.automation import (
    DEAD_RUN_SENSOR,
    FAILURE_SENSOR,
    GENERATION_JOB,
    GENERATION_SENSOR,
    LAG_SENSOR,
)
from oryx_assets.resources import OryxConfigResource
from oryx_core.apps.example.words import count_distinct_other_words, model_from_json
from oryx_core.topics.messages import MODEL

LINES = ["a b c", "b d"]
GRAPH = {
    "input_window": set(),
    "historical_data": {"input_window"},
    "train_test_split": {"input_window", "historical_data"},
    "tuned_model": {"train_test_split", "historical_data"},
    "published_model": {"input_window", "historical_data", "tuned_model"},
}
ROLLBACK_GRAPH = {"republished_model": set[str]()}
"""The roll back's asset, outside the generation graph (``rollback_job``): a generation never materializes it."""
CHECKS = {
    "input_window": {"bad_line_ratio"},
    "tuned_model": {
        "model_meets_threshold",
        "model_not_empty",
        "model_has_valid_score",
        "model_beats_baseline",
        "model_not_worse_than_published",
    },
}


pytestmark = pytest.mark.usefixtures("spark_stopped_after_module")


@pytest.fixture
def oryx(kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path) -> OryxConfigResource:
    example = "com.cloudera.oryx.example.batch.ExampleBatchLayerUpdate"
    return OryxConfigResource(overrides=batch_overrides(kafka_brokers, fresh_topics, tmp_path, example))


def test_definitions_load_with_the_whole_graph(oryx: OryxConfigResource) -> None:
    defs = build_definitions(oryx)
    Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()

    deps = {
        key.to_user_string(): {parent.to_user_string() for parent in graph.get(key).parent_keys}
        for key in graph.get_all_asset_keys()
    }
    checks: dict[str, set[str]] = {}
    for key in graph.asset_check_keys:
        checks.setdefault(key.asset_key.to_user_string(), set()).add(key.name)

    assert deps == {**GRAPH, **ROLLBACK_GRAPH}
    assert checks == CHECKS
    for name in (GENERATION_SENSOR, LAG_SENSOR, FAILURE_SENSOR, DEAD_RUN_SENSOR):
        assert defs.resolve_sensor_def(name).name == name


def test_the_generation_job_runs_a_plain_app_through_the_ml_assets(oryx: OryxConfigResource) -> None:
    instance = DagsterInstance.ephemeral()
    key = "1700000000000"
    instance.add_dynamic_partitions("generations", [key])
    produce(oryx, LINES)

    result = (
        build_definitions(oryx).resolve_job_def(GENERATION_JOB).execute_in_process(partition_key=key, instance=instance)
    )

    metadata = {
        e.asset_key.to_user_string(): {k: v.value for k, v in e.materialization.metadata.items()}
        for e in result.get_asset_materialization_events()
    }
    assert set(metadata) == set(GRAPH)
    assert metadata["train_test_split"]["ml_app"] is False
    assert metadata["tuned_model"]["ml_app"] is False
    assert {e.check_name: e.passed for e in result.get_asset_check_evaluations()} == {
        "bad_line_ratio": True,
        "model_meets_threshold": True,
        "model_not_empty": True,
        "model_has_valid_score": True,
        "model_beats_baseline": True,
        "model_not_worse_than_published": True,
    }
    [model] = [m for m in update_messages(oryx, 1) if m.key == MODEL]
    assert model_from_json(model.message) == count_distinct_other_words(LINES)


def test_the_cli_path_summarises_the_generation(oryx: OryxConfigResource, tmp_path: Path) -> None:
    produce(oryx, LINES)
    with DagsterInstance.ephemeral() as instance:
        summary = run_generation(oryx, instance, 1_700_000_000_000)

    assert summary.success
    assert summary.lines()[:4] == [
        "generation 1700000000000 succeeded",
        f"  new input lines: 2 (file:{tmp_path}/data/generation=1700000000000)",
        "  past input lines: 0 in 0 window(s)",
        "  model built: True, published: True",
    ]
