"""Generations start early on input lag, never while one runs, and failed generations are reported."""

from __future__ import annotations

import logging
import time

import pytest
from dagster import (
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    SensorResult,
    SkipReason,
    build_run_status_sensor_context,
    build_sensor_context,
    job,
    op,
)
from dagster._core.test_utils import create_run_for_test

from oryx_assets.lambda_.automation import (
    FAILURE_SENSOR,
    GENERATION_JOB,
    PARTITION_TAG,
    TRIGGER_TAG,
    generation_failure_sensor,
    generation_schedule,
    input_lag,
    input_lag_sensor,
    latest_generation_start,
    running_generation,
)
from oryx_assets.resources import KafkaResource, OryxConfigResource


class FakeReader:
    def __init__(self, committed: dict[int, int], end: dict[int, int]) -> None:
        self.committed, self.end = committed, end

    def committed_offsets(self) -> dict[int, int]:
        return self.committed

    def end_offsets(self) -> dict[int, int]:
        return self.end

    def __enter__(self) -> FakeReader:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class LaggingKafka(KafkaResource):
    """The batch group is 40 records behind: partition 0 by 30, partition 1 by 10."""

    def input_reader(self) -> FakeReader:  # type: ignore[override]
        return FakeReader({0: 70, 1: 5}, {0: 100, 1: 15})


def lag_tick(trigger: int, instance: DagsterInstance) -> SensorResult | SkipReason:
    """One evaluation of the lag sensor over a group lagging by 40 records."""
    resources = {"kafka": LaggingKafka(oryx=OryxConfigResource())}
    with build_sensor_context(instance=instance, resources=resources) as context:
        return input_lag_sensor(3600, trigger)(context)


def test_lag_counts_records_not_yet_committed_per_partition() -> None:
    assert input_lag({0: 70, 1: 5}, {0: 100, 1: 15, 2: 3}) == 43


def test_lag_sensor_is_off_by_default() -> None:
    with DagsterInstance.ephemeral() as instance:
        result = lag_tick(-1, instance)

    assert isinstance(result, SkipReason)


def test_lag_at_the_trigger_starts_a_generation_by_run_key() -> None:
    with DagsterInstance.ephemeral() as instance:
        result = lag_tick(40, instance)

    assert isinstance(result, SensorResult)
    [request] = result.run_requests or []
    assert request.run_key == request.partition_key
    assert request.tags[TRIGGER_TAG] == "input-lag"
    [add] = result.dynamic_partitions_requests or []
    assert list(add.partition_keys) == [request.partition_key]


def test_lag_below_the_trigger_waits() -> None:
    with DagsterInstance.ephemeral() as instance:
        result = lag_tick(41, instance)

    assert isinstance(result, SkipReason)


def started_generation(instance: DagsterInstance, key: str, status: DagsterRunStatus) -> None:
    create_run_for_test(instance, job_name=GENERATION_JOB, status=status, tags={PARTITION_TAG: key})


def test_no_generation_starts_while_one_is_running() -> None:
    with DagsterInstance.ephemeral() as instance:
        started_generation(instance, "1700000000000", DagsterRunStatus.STARTED)
        lagging = lag_tick(1, instance)
        old = str(int(time.time() * 1000) - 7_200_000)
        timed = generation_schedule(60)(build_sensor_context(instance=instance, cursor=old))

    assert isinstance(lagging, SkipReason) and "1700000000000" in str(lagging.skip_message)
    assert isinstance(timed, SkipReason) and "still running" in str(timed.skip_message)


def test_a_run_left_started_for_hours_is_taken_as_abandoned() -> None:
    with DagsterInstance.ephemeral() as instance:
        started_generation(instance, "1700000000000", DagsterRunStatus.STARTED)

        assert running_generation(instance, time.time(), 60) == "1700000000000"
        assert running_generation(instance, time.time() + 7 * 3600, 60) is None


def test_the_interval_counts_from_the_latest_generation_however_it_started() -> None:
    just_now = int(time.time() * 1000) - 5_000
    with DagsterInstance.ephemeral() as instance:
        started_generation(instance, str(just_now), DagsterRunStatus.SUCCESS)
        old_cursor = str(just_now - 3_600_000)
        result = generation_schedule(60)(build_sensor_context(instance=instance, cursor=old_cursor))

        assert latest_generation_start(instance) == just_now
    assert isinstance(result, SkipReason)


@op
def fails() -> None:
    raise ValueError("disk full while writing the window")


@job(name=GENERATION_JOB)
def failing_generation() -> None:
    fails()


def test_failed_generations_are_reported_with_their_root_cause(caplog: pytest.LogCaptureFixture) -> None:
    with DagsterInstance.ephemeral() as instance:
        run = failing_generation.execute_in_process(
            instance=instance, raise_on_error=False, tags={PARTITION_TAG: "1700000000000"}
        ).dagster_run
        [failure] = instance.get_records_for_run(run.run_id, of_type=DagsterEventType.RUN_FAILURE).records
        context = build_run_status_sensor_context(
            sensor_name=FAILURE_SENSOR,
            dagster_event=failure.event_log_entry.dagster_event,
            dagster_instance=instance,
            dagster_run=run,
        ).for_run_failure()

        with caplog.at_level(logging.ERROR, logger="oryx_assets.alerts"):
            generation_failure_sensor(context)

    [alert] = [r.getMessage() for r in caplog.records if r.name == "oryx_assets.alerts"]
    assert alert.startswith(f"generation 1700000000000 failed (run {run.run_id}): ")
    assert alert.endswith("fails: ValueError: disk full while writing the window")
