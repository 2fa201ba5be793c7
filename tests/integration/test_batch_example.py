"""The batch layer end to end on the real broker and Spark: input lines in, the example's MODEL out.

Each generation is materialized through Dagster's API with the same resources the code location uses.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from batch_support import produce, update_messages
from dagster import DagsterInstance, materialize

from oryx_assets.definitions import GENERATION_ASSETS
from oryx_assets.lambda_.automation import start_generation
from oryx_assets.lambda_.offsets import OffsetRange
from oryx_assets.resources import OryxConfigResource, batch_group_id
from oryx_assets.wiring import build_resources
from oryx_core.apps.example.words import count_distinct_other_words, model_from_json
from oryx_core.config import OryxConfig
from oryx_core.topics.consumer import InputTopicReader
from oryx_core.topics.messages import MODEL

FIRST_LINES = ["a b c", "b d", "e"]
SECOND_LINES = ["a e", "f g a"]


pytestmark = pytest.mark.usefixtures("spark_stopped_after_module")


@pytest.fixture
def oryx(kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path) -> OryxConfigResource:
    input_topic, update_topic = fresh_topics
    return OryxConfigResource(
        overrides=[
            f"oryx.id=batch-test-{uuid.uuid4().hex[:8]}",
            f"oryx.input-topic.broker={kafka_brokers}",
            f"oryx.input-topic.message.topic={input_topic}",
            f"oryx.update-topic.broker={kafka_brokers}",
            f"oryx.update-topic.message.topic={update_topic}",
            "oryx.batch.update-class=com.cloudera.oryx.example.batch.ExampleBatchLayerUpdate",
            f"oryx.batch.storage.data-dir=file:{tmp_path}/data/",
            f"oryx.batch.storage.model-dir=file:{tmp_path}/model/",
            "oryx.batch.streaming.master=local[2]",
            'oryx.batch.streaming.config."spark.sql.shuffle.partitions"=4',
            'oryx.batch.streaming.config."spark.ui.enabled"=false',
        ]
    )


def run_generation(oryx: OryxConfigResource, instance: DagsterInstance, timestamp_ms: int) -> dict[str, dict]:
    key = start_generation(instance, timestamp_ms)
    result = materialize(GENERATION_ASSETS, partition_key=key, instance=instance, resources=build_resources(oryx))
    assert result.success
    return {
        event.asset_key.to_user_string(): {k: v.value for k, v in event.materialization.metadata.items()}
        for event in result.get_asset_materialization_events()
    }


def input_reader(config: OryxConfig) -> InputTopicReader:
    """A reader in the batch layer's own consumer group, to inspect or move its committed offsets."""
    return InputTopicReader(
        config.get_string("oryx.input-topic.broker"),
        config.get_string("oryx.input-topic.message.topic"),
        batch_group_id(config),
    )


def window_lines(data_dir: Path, timestamp_ms: int) -> list[str]:
    from pyspark.sql import SparkSession

    spark = SparkSession.getActiveSession()
    assert spark is not None
    rows = spark.read.parquet(f"file:{data_dir}/generation={timestamp_ms}").collect()
    return sorted(row["value"] for row in rows)


def test_two_generations_publish_exact_counts_over_new_and_past_input(oryx: OryxConfigResource, tmp_path: Path) -> None:
    config = oryx.load()
    instance = DagsterInstance.ephemeral()
    first, second = 1_700_000_000_000, 1_700_000_060_000

    produce(oryx, FIRST_LINES)
    first_meta = run_generation(oryx, instance, first)

    models = [m for m in update_messages(oryx, 1) if m.key == MODEL]
    assert [model_from_json(m.message) for m in models] == [count_distinct_other_words(FIRST_LINES)]
    assert first_meta["input_window"]["rows"] == len(FIRST_LINES)
    assert first_meta["historical_data"]["windows"] == 0
    window = tmp_path / "data" / f"generation={first}"
    assert (window / "_SUCCESS").is_file() and (window / "_offsets.json").is_file()
    assert window_lines(tmp_path / "data", first) == sorted(FIRST_LINES)
    with input_reader(config) as reader:
        committed = reader.committed_offsets()
        assert committed == reader.end_offsets()
        assert sum(committed.values()) == len(FIRST_LINES)

    produce(oryx, SECOND_LINES)
    second_meta = run_generation(oryx, instance, second)

    models = [m for m in update_messages(oryx, 2) if m.key == MODEL]
    assert model_from_json(models[-1].message) == count_distinct_other_words(FIRST_LINES + SECOND_LINES)
    assert second_meta["historical_data"]["rows"] == len(FIRST_LINES)
    assert second_meta["input_window"]["rows"] == len(SECOND_LINES)
    assert window_lines(tmp_path / "data", second) == sorted(SECOND_LINES)


def test_rerunning_a_generation_reuses_its_stored_window(oryx: OryxConfigResource, tmp_path: Path) -> None:
    instance = DagsterInstance.ephemeral()
    produce(oryx, FIRST_LINES)
    run_generation(oryx, instance, 1_700_000_000_000)
    produce(oryx, SECOND_LINES)

    rerun = run_generation(oryx, instance, 1_700_000_000_000)

    assert rerun["input_window"]["reused_stored_window"] is True
    assert rerun["input_window"]["rows"] == len(FIRST_LINES)
    assert window_lines(tmp_path / "data", 1_700_000_000_000) == sorted(FIRST_LINES)


def test_next_generation_commits_a_window_whose_run_stopped_before_committing(
    oryx: OryxConfigResource, tmp_path: Path
) -> None:
    config = oryx.load()
    instance = DagsterInstance.ephemeral()
    first, second = 1_700_000_000_000, 1_700_000_060_000
    produce(oryx, FIRST_LINES)
    run_generation(oryx, instance, first)
    stored = OffsetRange.from_json((tmp_path / "data" / f"generation={first}" / "_offsets.json").read_text())
    with input_reader(config) as reader:
        reader.commit(stored.start)  # as if the run had stopped between storing the window and committing
    produce(oryx, SECOND_LINES)

    run_generation(oryx, instance, second)

    assert window_lines(tmp_path / "data", second) == sorted(SECOND_LINES)
    models = [m for m in update_messages(oryx, 2) if m.key == MODEL]
    assert model_from_json(models[-1].message) == count_distinct_other_words(FIRST_LINES + SECOND_LINES)


def test_windows_past_max_age_are_deleted_and_left_out_of_history(oryx: OryxConfigResource, tmp_path: Path) -> None:
    # A new resource, not model_copy: Dagster rebuilds resources from the config they were constructed with.
    aged = OryxConfigResource(overrides=[*oryx.overrides, "oryx.batch.storage.max-age-data-hours=1"])
    instance = DagsterInstance.ephemeral()
    first, two_hours_later = 1_700_000_000_000, 1_700_007_200_000
    produce(aged, FIRST_LINES)
    run_generation(aged, instance, first)
    produce(aged, SECOND_LINES)

    meta = run_generation(aged, instance, two_hours_later)

    assert meta["historical_data"]["deleted_windows"] == [f"generation={first}"]
    assert meta["historical_data"]["rows"] == 0
    assert not (tmp_path / "data" / f"generation={first}").exists()
    models = [m for m in update_messages(aged, 2) if m.key == MODEL]
    assert model_from_json(models[-1].message) == count_distinct_other_words(SECOND_LINES)


def test_generation_without_new_input_builds_no_model(oryx: OryxConfigResource) -> None:
    meta = run_generation(oryx, DagsterInstance.ephemeral(), 1_700_000_000_000)

    assert meta["input_window"]["rows"] == 0
    assert meta["published_model"]["model_built"] is False
    assert update_messages(oryx, 0, timeout=3.0) == []
