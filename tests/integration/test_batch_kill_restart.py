"""Killing a generation at its two dangerous moments, then running again, neither loses nor double-counts input.

The generation runs as ``python -m oryx_assets`` in its own process and is killed with SIGKILL (see
``generation_killer.py``) either between storing its window and committing the offsets, or between publishing
its model and finishing. The word-count MODEL counts every distinct co-occurring word, so a line read twice or
lost changes it: the MODEL content proves the counts.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from batch_support import asset_metadata, batch_overrides, materialize_generation, produce, update_messages
from dagster import DagsterInstance

from oryx_assets.lambda_.offsets import OffsetRange
from oryx_assets.resources import OryxConfigResource, batch_group_id
from oryx_core.apps.example.words import count_distinct_other_words, model_from_json
from oryx_core.topics.consumer import InputTopicReader
from oryx_core.topics.messages import MODEL

HERE = Path(__file__).resolve().parent
FIRST_LINES = ["a b c", "b d", "e"]
SECOND_LINES = ["a e", "f g a"]
FIRST, SECOND = 1_700_000_000_000, 1_700_000_060_000


pytestmark = pytest.mark.usefixtures("spark_stopped_after_module")


@pytest.fixture
def oryx(kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path) -> OryxConfigResource:
    example = "com.cloudera.oryx.example.batch.ExampleBatchLayerUpdate"
    return OryxConfigResource(overrides=batch_overrides(kafka_brokers, fresh_topics, tmp_path, example))


def killed_generation(oryx: OryxConfigResource, point: str, timestamp_ms: int, tmp_path: Path) -> None:
    """Runs generation ``timestamp_ms`` in a child process that SIGKILLs itself at ``point``."""
    overrides = [arg for override in oryx.overrides for arg in ("-D", override)]
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster")}
    command = [sys.executable, str(HERE / "generation_killer.py"), point, *overrides, "--generation", str(timestamp_ms)]
    child = subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        output, _ = child.communicate(timeout=300)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)  # the JVM and anything else the killed process started
    assert child.returncode == -signal.SIGKILL, output.decode(errors="replace")[-3000:]


def committed(oryx: OryxConfigResource) -> dict[int, int]:
    config = oryx.load()
    topic = config.get_string("oryx.input-topic.message.topic")
    with InputTopicReader(config.get_string("oryx.input-topic.broker"), topic, batch_group_id(config)) as reader:
        return reader.committed_offsets()


def models(oryx: OryxConfigResource, expected: int) -> list[dict[str, int]]:
    return [model_from_json(m.message) for m in update_messages(oryx, expected) if m.key == MODEL]


def test_killed_before_committing_then_rerun_reads_each_line_once(oryx: OryxConfigResource, tmp_path: Path) -> None:
    produce(oryx, FIRST_LINES)

    killed_generation(oryx, "before-commit", FIRST, tmp_path)

    stored = OffsetRange.from_json((tmp_path / "data" / f"generation={FIRST}" / "_offsets.json").read_text())
    assert sum(stored.records(p) for p in stored.end) == len(FIRST_LINES)
    assert sum(committed(oryx).values()) == 0
    produce(oryx, SECOND_LINES)
    instance = DagsterInstance.ephemeral()

    rerun = asset_metadata(materialize_generation(oryx, instance, FIRST))
    materialize_generation(oryx, instance, SECOND)

    assert rerun["input_window"]["reused_stored_window"] is True
    assert rerun["input_window"]["rows"] == len(FIRST_LINES)
    assert models(oryx, 2) == [
        count_distinct_other_words(FIRST_LINES),
        count_distinct_other_words(FIRST_LINES + SECOND_LINES),
    ]
    assert sum(committed(oryx).values()) == len(FIRST_LINES + SECOND_LINES)


def test_killed_before_committing_then_next_generation_reads_each_line_once(
    oryx: OryxConfigResource, tmp_path: Path
) -> None:
    produce(oryx, FIRST_LINES)
    killed_generation(oryx, "before-commit", FIRST, tmp_path)
    produce(oryx, SECOND_LINES)

    meta = asset_metadata(materialize_generation(oryx, DagsterInstance.ephemeral(), SECOND))

    assert meta["input_window"]["rows"] == len(SECOND_LINES)
    assert meta["historical_data"]["rows"] == len(FIRST_LINES)
    assert models(oryx, 1) == [count_distinct_other_words(FIRST_LINES + SECOND_LINES)]


def test_killed_after_publishing_then_rerun_publishes_the_same_model(oryx: OryxConfigResource, tmp_path: Path) -> None:
    produce(oryx, FIRST_LINES)

    killed_generation(oryx, "after-publish", FIRST, tmp_path)

    assert models(oryx, 1) == [count_distinct_other_words(FIRST_LINES)]
    produce(oryx, SECOND_LINES)
    instance = DagsterInstance.ephemeral()

    materialize_generation(oryx, instance, FIRST)
    materialize_generation(oryx, instance, SECOND)

    assert models(oryx, 3) == [
        count_distinct_other_words(FIRST_LINES),
        count_distinct_other_words(FIRST_LINES),
        count_distinct_other_words(FIRST_LINES + SECOND_LINES),
    ]
    assert sum(committed(oryx).values()) == len(FIRST_LINES + SECOND_LINES)
