"""How generations start and how their failures are reported: one job, two sensors that start it, one that alerts.

Oryx 2 builds one generation every ``oryx.batch.streaming.generation-interval-sec`` seconds. Dagster
schedules are cron expressions, which cannot say "every 90 seconds" (or any interval that does not divide
an hour or a day evenly), so the timer is a sensor instead: ``minimum_interval_seconds`` is the generation
interval, and the time of the last generation (the sensor's cursor, or the newest generation run, whichever
is later) decides when the next is due, so a daemon that ticks early or restarts never starts generations more
often than the interval.

``input_lag_sensor`` starts a generation early when the batch layer's consumer group is more than
``oryx.batch.lag-trigger-records`` records behind the input topic (off at the default -1), so a burst of input
need not wait hours for the next interval. An early generation also restarts the interval.

Both sensors add the generation's dynamic partition and request the run with ``run_key`` = partition key, so
Dagster never launches the same generation twice, and both wait while a generation is running: two
generations reading the input topic at once could store the same records twice. A run whose process was
killed stays "started" in Dagster; the sensors mark it failed at their next tick once its worker process is gone
(``fail_dead_generations``), and a run with no worker pid recorded is taken as abandoned after
``max(6 h, 2 intervals)``; on Kubernetes, Dagster's run monitoring checks the run pods.

``generation_failure_sensor`` reports every failed generation (the failing steps and their root causes) to
the sensor log and the ``oryx_assets.alerts`` logger, where an operator's log shipping can alert on it.
"""

import logging
import time
from collections.abc import Mapping

from dagster import (
    AssetSelection,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunRequest,
    RunsFilter,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    define_asset_job,
    in_process_executor,
    run_failure_sensor,
    sensor,
)

from oryx_assets.lambda_.rollback import ROLLBACK_GROUP
from oryx_assets.partitions import generation_key, generations
from oryx_assets.resources import KafkaResource
from oryx_core.process_liveness import process_alive

GENERATION_JOB = "generation_job"
GENERATION_SENSOR = "generation_schedule_sensor"
LAG_SENSOR = "input_lag_sensor"
FAILURE_SENSOR = "generation_failure_sensor"
DEAD_RUN_SENSOR = "dead_generation_sensor"
DEAD_RUN_POLL_SECONDS = 60
LAG_TRIGGER_KEY = "oryx.batch.lag-trigger-records"
LAG_POLL_SECONDS = 30
MIN_ABANDONED_SECONDS = 6 * 3600
PARTITION_TAG = "dagster/partition"
TRIGGER_TAG = "oryx/trigger"
_WAITING_STATUSES = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
]

alerts = logging.getLogger("oryx_assets.alerts")

# One process per run: the assets share one SparkSession (a multiprocess executor would start a JVM per step).
generation_job = define_asset_job(
    GENERATION_JOB,
    # Every asset but the roll back's, which publishes an earlier generation's model instead of building one.
    selection=AssetSelection.all() - AssetSelection.groups(ROLLBACK_GROUP),
    executor_def=in_process_executor,
    description="One batch-layer generation: store the new input window, read history, split, tune, publish.",
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


def latest_generation_start(instance: DagsterInstance) -> int | None:
    """The partition key (start time) of the newest generation run, however it was started."""
    records = instance.get_run_records(RunsFilter(job_name=GENERATION_JOB), limit=1)
    key = records[0].dagster_run.tags.get(PARTITION_TAG) if records else None
    return int(key) if key is not None and key.isdigit() else None


def running_generation(instance: DagsterInstance, now_s: float, interval_sec: int) -> str | None:
    """The partition key of a generation still queued or running (and not abandoned), if any; generations whose
    worker process is gone are marked failed first (``fail_dead_generations``)."""
    fail_dead_generations(instance)
    abandoned_before = now_s - max(MIN_ABANDONED_SECONDS, 2 * interval_sec)
    for record in instance.get_run_records(RunsFilter(job_name=GENERATION_JOB, statuses=_WAITING_STATUSES)):
        if record.create_timestamp.timestamp() >= abandoned_before:
            return record.dagster_run.tags.get(PARTITION_TAG, record.dagster_run.run_id)
    return None


def fail_dead_generations(instance: DagsterInstance) -> list[str]:
    """Marks failed each started generation whose run worker process no longer exists; returns their run IDs.

    A generation killed mid-way (``kill -9``, the machine's OOM killer) otherwise stays "started" and holds back
    every later generation for hours (``MIN_ABANDONED_SECONDS``). Its worker reported its pid when it began
    (Dagster's "Started process for run" / "Executing steps in process" events); a pid that is gone, or a zombie,
    means the run can never finish. Only for run launchers that start workers on this host: where the launcher can
    check its workers itself (``K8sRunLauncher``), Dagster's run monitoring does this. The failed run's window is
    not lost: its offsets were not committed, so the next generation reads (or commits) it.
    """
    if instance.run_launcher.supports_check_run_worker_health:
        return []
    failed = []
    for record in instance.get_run_records(RunsFilter(job_name=GENERATION_JOB, statuses=[DagsterRunStatus.STARTED])):
        run = record.dagster_run
        pid = _worker_pid(instance, run.run_id)
        if pid is not None and not process_alive(pid):
            message = f"generation run worker (pid {pid}) is gone: killed or crashed; marked failed"
            instance.report_run_failed(run, message)
            alerts.error("generation %s: %s", run.tags.get(PARTITION_TAG, run.run_id), message)
            failed.append(run.run_id)
    return failed


def _worker_pid(instance: DagsterInstance, run_id: str) -> int | None:
    for record in instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
        event = record.dagster_event
        data = event.engine_event_data if event is not None else None
        pid = data.metadata.get("pid") if data is not None else None
        if pid is not None and str(pid.value).isdigit():
            return int(str(pid.value))
    return None


@sensor(
    name=DEAD_RUN_SENSOR,
    minimum_interval_seconds=DEAD_RUN_POLL_SECONDS,
    default_status=DefaultSensorStatus.RUNNING,
    description="Marks failed, within a minute, a generation whose run worker process was killed or crashed.",
)
def dead_generation_sensor(context: SensorEvaluationContext) -> SkipReason:
    failed = fail_dead_generations(context.instance)
    if failed:
        return SkipReason(f"marked failed: run(s) {', '.join(failed)} (their worker process is gone)")
    return SkipReason("every started generation has a live worker")


def _generation_request(key: str, trigger: str) -> SensorResult:
    return SensorResult(
        run_requests=[RunRequest(partition_key=key, run_key=key, tags={TRIGGER_TAG: trigger})],
        dynamic_partitions_requests=[generations.build_add_request([key])],
        cursor=key,
    )


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
        if not context.cursor:
            context.update_cursor(str(now_ms))
            return SkipReason(f"first evaluation: the first generation starts {interval_sec} s from now")
        last = max(int(context.cursor), latest_generation_start(context.instance) or 0)
        due = next_generation(last, now_ms, interval_sec)
        if due is None:
            return SkipReason(f"the last generation started less than {interval_sec} s ago")
        running = running_generation(context.instance, now_ms / 1000, interval_sec)
        if running is not None:
            return SkipReason(f"generation {running} is still running; the next one starts when it ends")
        return _generation_request(generation_key(due), "interval")

    return generation_schedule_sensor


def input_lag(committed: Mapping[int, int], end: Mapping[int, int]) -> int:
    """Records on the input topic that no generation has stored yet."""
    return sum(max(0, offset - committed.get(partition, 0)) for partition, offset in end.items())


def input_lag_sensor(interval_sec: int, trigger_records: int) -> SensorDefinition:
    """The sensor that starts a generation early once the input lag reaches ``trigger_records`` (<= 0: off)."""
    enabled = trigger_records > 0

    @sensor(
        name=LAG_SENSOR,
        job=generation_job,
        minimum_interval_seconds=min(LAG_POLL_SECONDS, interval_sec),
        default_status=DefaultSensorStatus.RUNNING if enabled else DefaultSensorStatus.STOPPED,
        description=f"Starts a generation early when {trigger_records} or more input records wait "
        f"({LAG_TRIGGER_KEY}; off when <= 0).",
    )
    def lag_sensor(context: SensorEvaluationContext, kafka: KafkaResource) -> SensorResult | SkipReason:
        if not enabled:
            return SkipReason(f"{LAG_TRIGGER_KEY} is {trigger_records}: starting generations early is off")
        now_ms = int(time.time() * 1000)
        running = running_generation(context.instance, now_ms / 1000, interval_sec)
        if running is not None:
            return SkipReason(f"generation {running} is still running")
        with kafka.input_reader() as reader:
            lag = input_lag(reader.committed_offsets(), reader.end_offsets())
        if lag < trigger_records:
            return SkipReason(f"input lag {lag} is below {trigger_records} records")
        context.log.info(f"input lag {lag} >= {trigger_records}: starting a generation now")
        return _generation_request(generation_key(now_ms), "input-lag")

    return lag_sensor


def failure_alert(context: RunFailureSensorContext) -> str:
    """One line per failed generation: its partition, run, and each failed step's innermost error."""
    run = context.dagster_run
    causes = []
    for event in context.get_step_failure_events():
        error = event.step_failure_data.error if event.step_failure_data else None
        while error is not None and error.cause is not None:
            error = error.cause
        causes.append(f"{event.step_key}: {error.message.strip() if error else 'failed'}")
    generation = run.tags.get(PARTITION_TAG, "?")
    return f"generation {generation} failed (run {run.run_id}): " + ("; ".join(causes) or context.failure_event.message)


@run_failure_sensor(
    name=FAILURE_SENSOR,
    monitored_jobs=[generation_job],
    default_status=DefaultSensorStatus.RUNNING,
    description="Reports each failed generation with its failed steps and root causes.",
)
def generation_failure_sensor(context: RunFailureSensorContext) -> None:
    alert = failure_alert(context)
    context.log.error(alert)
    alerts.error(alert)
