"""A generation whose run worker was killed is marked failed at the next sensor tick, so generations resume."""

from __future__ import annotations

import os
import subprocess
import time

from dagster import DagsterInstance, DagsterRunStatus, SkipReason, build_sensor_context
from dagster._core.events import EngineEventData
from dagster._core.test_utils import create_run_for_test

from oryx_assets.lambda_.automation import (
    GENERATION_JOB,
    PARTITION_TAG,
    dead_generation_sensor,
    fail_dead_generations,
    running_generation,
)


def generation_with_worker(instance: DagsterInstance, key: str, pid: int) -> str:
    """A started generation run whose worker reported ``pid``, as Dagster's run worker does when it starts."""
    run = create_run_for_test(
        instance, job_name=GENERATION_JOB, status=DagsterRunStatus.STARTED, tags={PARTITION_TAG: key}
    )
    instance.report_engine_event(f"Started process for run (pid: {pid}).", run, EngineEventData.in_process(pid))
    return run.run_id


def dead_pid() -> int:
    worker = subprocess.Popen(["true"])
    worker.wait()
    return worker.pid


def test_a_generation_whose_worker_is_gone_is_marked_failed_and_no_longer_blocks() -> None:
    with DagsterInstance.ephemeral() as instance:
        run_id = generation_with_worker(instance, "1700000000000", dead_pid())

        assert running_generation(instance, time.time(), 60) is None
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.status == DagsterRunStatus.FAILURE


def test_a_generation_whose_worker_lives_keeps_running() -> None:
    with DagsterInstance.ephemeral() as instance:
        run_id = generation_with_worker(instance, "1700000000000", os.getpid())

        assert fail_dead_generations(instance) == []
        assert running_generation(instance, time.time(), 60) == "1700000000000"
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.status == DagsterRunStatus.STARTED


def test_the_minute_sensor_reports_what_it_marked() -> None:
    with DagsterInstance.ephemeral() as instance:
        run_id = generation_with_worker(instance, "1700000000000", dead_pid())
        first = dead_generation_sensor(build_sensor_context(instance=instance))
        again = dead_generation_sensor(build_sensor_context(instance=instance))

    assert isinstance(first, SkipReason) and run_id in str(first.skip_message)
    assert isinstance(again, SkipReason) and "live worker" in str(again.skip_message)
