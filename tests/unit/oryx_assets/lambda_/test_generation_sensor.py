"""The generation timer: one run per interval, each a new partition started with run_key = partition key."""

from __future__ import annotations

import time

from dagster import DagsterInstance, SensorResult, SkipReason, build_sensor_context

from oryx_assets.lambda_.automation import generation_schedule, next_generation, start_generation


def test_first_evaluation_only_records_the_start() -> None:
    assert next_generation(None, 1_000_000, 60) is None


def test_generation_is_due_after_the_interval() -> None:
    assert next_generation(1_000_000, 1_059_999, 60) is None
    assert next_generation(1_000_000, 1_060_000, 60) == 1_060_000


def test_first_tick_skips_and_sets_the_cursor() -> None:
    with DagsterInstance.ephemeral() as instance:
        context = build_sensor_context(instance=instance)
        result = generation_schedule(60)(context)

    assert isinstance(result, SkipReason)
    assert context.cursor is not None and context.cursor.isdigit()


def test_due_tick_adds_the_partition_and_requests_it_by_run_key() -> None:
    last = int(time.time() * 1000) - 61_000
    with DagsterInstance.ephemeral() as instance:
        result = generation_schedule(60)(build_sensor_context(instance=instance, cursor=str(last)))

    assert isinstance(result, SensorResult)
    [request] = result.run_requests or []
    assert request.run_key == request.partition_key
    [add] = result.dynamic_partitions_requests or []
    assert list(add.partition_keys) == [request.partition_key]
    assert result.cursor == request.partition_key


def test_tick_within_the_interval_skips() -> None:
    last = int(time.time() * 1000) - 5_000
    with DagsterInstance.ephemeral() as instance:
        result = generation_schedule(60)(build_sensor_context(instance=instance, cursor=str(last)))

    assert isinstance(result, SkipReason)


def test_start_generation_adds_the_partition_once() -> None:
    with DagsterInstance.ephemeral() as instance:
        key = start_generation(instance, 1_700_000_000_000)
        start_generation(instance, 1_700_000_000_000)

        assert instance.get_dynamic_partitions("generations") == [key] == ["1700000000000"]
