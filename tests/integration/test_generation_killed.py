"""A batch generation killed mid-way (``kill -9``) on the real stack: its Dagster run is marked failed at the next
sensor check instead of holding back every generation for hours, and the next generation counts each line once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from batch_support import produce
from dagster import AssetKey, DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter
from speed_support import process_state
from support.waiting import wait_for

from oryx_assets.lambda_.automation import GENERATION_JOB, fail_dead_generations, running_generation
from oryx_assets.resources import OryxConfigResource

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
LINES = [f"w{n} x{n}" for n in range(300)]


def overrides(kafka_brokers: str, topics: tuple[str, str], tmp_path: Path) -> list[str]:
    return [
        f"oryx.id=killed-{uuid.uuid4().hex[:8]}",
        f"oryx.input-topic.broker={kafka_brokers}",
        f"oryx.input-topic.message.topic={topics[0]}",
        f"oryx.update-topic.broker={kafka_brokers}",
        f"oryx.update-topic.message.topic={topics[1]}",
        "oryx.batch.update-class=com.cloudera.oryx.example.batch.ExampleBatchLayerUpdate",
        f"oryx.batch.storage.data-dir=file:{tmp_path}/data/",
        f"oryx.batch.storage.model-dir=file:{tmp_path}/model/",
        "oryx.batch.streaming.master=local[1]",
        'oryx.batch.streaming.config."spark.sql.shuffle.partitions"=2',
        'oryx.batch.streaming.config."spark.ui.enabled"=false',
    ]


def batch_process(settings: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "oryx_assets"] + [arg for key in settings for arg in ("-D", key)]
    with log.open("ab") as out:
        return subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def rows_of(instance: DagsterInstance, asset: str, partition: str) -> int:
    event = instance.get_latest_materialization_event(AssetKey(asset))
    assert event is not None and event.dagster_event is not None
    materialization = event.dagster_event.step_materialization_data.materialization
    assert materialization.partition == partition
    return int(materialization.metadata["dagster/row_count"].value)


def test_a_killed_generation_is_marked_failed_and_the_next_counts_each_line_once(
    kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path
) -> None:
    settings = overrides(kafka_brokers, fresh_topics, tmp_path)
    produce(OryxConfigResource(overrides=settings), LINES)
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").touch()
    env = {**os.environ, "ORYX_STATE_DIR": str(process_state(tmp_path)), "DAGSTER_HOME": str(home)}
    env.pop("PYSPARK_SUBMIT_ARGS", None)
    env["PYSPARK_PYTHON"] = sys.executable
    log = tmp_path / "batch.log"

    first = batch_process(settings, env, log)
    with DagsterInstance.from_config(str(home)) as instance:

        def first_step_started() -> bool:
            runs = instance.get_runs(RunsFilter(job_name=GENERATION_JOB, statuses=[DagsterRunStatus.STARTED]))
            return bool(runs) and bool(instance.all_logs(runs[0].run_id, of_type=DagsterEventType.STEP_START))

        wait_for(first_step_started, 180, f"the generation's first step:\n{log.read_text()[-3000:]}")
        [killed] = instance.get_runs(RunsFilter(job_name=GENERATION_JOB))
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(30)

        assert fail_dead_generations(instance) == [killed.run_id]
        after = instance.get_run_by_id(killed.run_id)
        assert after is not None and after.status == DagsterRunStatus.FAILURE
        assert running_generation(instance, time.time(), 60) is None  # nothing holds the next generation back

        second = batch_process(settings, env, log)
        assert second.wait(300) == 0, log.read_text()[-4000:]
        [latest, _] = instance.get_runs(RunsFilter(job_name=GENERATION_JOB))
        partition = latest.tags["dagster/partition"]
        new, past = rows_of(instance, "input_window", partition), rows_of(instance, "historical_data", partition)
    assert new + past == len(LINES), f"new {new} + past {past} lines: each of {len(LINES)} exactly once"
