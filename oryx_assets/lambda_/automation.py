"""How generations start: one job over the generation assets, and a timer that starts it every interval.

Oryx 2 builds one generation every ``oryx.batch.streaming.generation-interval-sec`` seconds. Dagster
schedules are cron expressions, which cannot say "every 90 seconds" (or any interval that does not divide
an hour or a day evenly), so the timer is a sensor instead: ``minimum_interval_seconds`` is the generation
interval, and the sensor's cursor remembers when the last generation started, so a daemon that ticks early
or restarts never starts generations more often than the interval. Each tick that starts a generation adds
its dynamic partition and requests the run with ``run_key`` = partition key, so Dagster never launches the
same generation twice.
"""

import time

from dagster import (
    AssetSelection,
    DagsterInstance,
    DefaultSensorStatus,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    define_asset_job,
    in_process_executor,
    sensor,
)

from oryx_assets.partitions import generation_key, generations

GENERATION_JOB = "generation_job"
GENERATION_SENSOR = "generation_schedule_sensor"

# One process per run: the assets share one SparkSession (a multiprocess executor would start a JVM per step).
generation_job = define_asset_job(
    GENERATION_JOB,
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    description="One batch-layer generation: store the new input window, read history, build and publish.",
)


def start_generation(instance: DagsterInstance, timestamp_ms: int) -> str:
    """Registers the generation's partition so runs can target it; adding an existing key is a no-op."""
    key = generation_key(timestamp_ms)
    instance.add_dynamic_partitions(generations.name, [key])
    return key


def next_generation(last_started_ms: int | None, now_ms: int, interval_sec: int) -> int | None:
    """The start time of a generation due now, or None when the interval since the last one has not passed.

    The first evaluation only records the time, as a Spark Streaming batch layer builds its first
    generation one interval after start-up.
    """
    if last_started_ms is None or now_ms - last_started_ms < interval_sec * 1000:
        return None
    return now_ms


def generation_schedule(interval_sec: int) -> SensorDefinition:
    """The sensor that starts ``generation_job`` every ``interval_sec`` seconds (see the module docstring)."""

    @sensor(
        name=GENERATION_SENSOR,
        job=generation_job,
        minimum_interval_seconds=interval_sec,
        default_status=DefaultSensorStatus.RUNNING,
        description=f"Starts one generation every {interval_sec} s (oryx.batch.streaming.generation-interval-sec).",
    )
    def generation_schedule_sensor(context: SensorEvaluationContext) -> SensorResult | SkipReason:
        now_ms = int(time.time() * 1000)
        last = int(context.cursor) if context.cursor else None
        due = next_generation(last, now_ms, interval_sec)
        if last is None:
            context.update_cursor(str(now_ms))
            return SkipReason(f"first evaluation: the first generation starts {interval_sec} s from now")
        if due is None:
            return SkipReason(f"the last generation started less than {interval_sec} s ago")
        key = generation_key(due)
        return SensorResult(
            run_requests=[RunRequest(partition_key=key, run_key=key)],
            dynamic_partitions_requests=[generations.build_add_request([key])],
            cursor=str(due),
        )

    return generation_schedule_sensor
