"""Shared by the batch benchmarks: input on a fresh topic, one timed generation with its per-asset step times
from the Dagster event log, and the report of a generation next to bare Spark MLlib on the same data."""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance

from oryx_assets.generation import run_generation
from oryx_assets.resources import OryxConfigResource, batch_spark_resource
from oryx_core.topics.admin import TopicAdmin
from oryx_core.topics.producer import TopicProducer

ASSETS = ("input_window", "historical_data", "train_test_split", "tuned_model", "published_model")


def fresh_input(brokers: str, lines: list[str]) -> tuple[str, str]:
    """A new input topic holding ``lines``, and a new update topic."""
    suffix = uuid.uuid4().hex[:10]
    topics = (f"BenchInput-{suffix}", f"BenchUpdate-{suffix}")
    TopicAdmin(brokers).create_oryx_topics(*topics)
    with TopicProducer(brokers, topics[0], linger_ms=50) as producer:
        for line in lines:
            producer.send(None, line)
        producer.flush(120)
    return topics


def generation_config(
    brokers: str, topics: tuple[str, str], folder: Path, update_class: str, *overrides: str
) -> OryxConfigResource:
    """A fresh ``oryx.id`` (so a fresh consumer group reads the whole topic) and folder, local[2] Spark."""
    return OryxConfigResource(
        overrides=[
            f"oryx.id=bench-{uuid.uuid4().hex[:8]}",
            f"oryx.input-topic.broker={brokers}",
            f"oryx.input-topic.message.topic={topics[0]}",
            f"oryx.update-topic.broker={brokers}",
            f"oryx.update-topic.message.topic={topics[1]}",
            f"oryx.batch.update-class={update_class}",
            f"oryx.batch.storage.data-dir=file:{folder}/data/",
            f"oryx.batch.storage.model-dir=file:{folder}/model/",
            "oryx.batch.streaming.master=local[2]",
            'oryx.batch.streaming.config."spark.sql.shuffle.partitions"=4',
            'oryx.batch.streaming.config."spark.ui.enabled"=false',
            *overrides,
        ]
    )


def start_session(oryx: OryxConfigResource) -> None:
    """Starts the generation's own SparkSession (its settings) before anything is timed."""
    batch_spark_resource(oryx.load()).spark_session.sparkContext.setLogLevel("ERROR")


def timed_generation(oryx: OryxConfigResource, timestamp_ms: int) -> tuple[float, dict[str, float]]:
    """Wall seconds of one whole generation as ``oryx batch`` runs it, and each step's seconds (its event log)."""
    with DagsterInstance.ephemeral() as instance:
        started = time.perf_counter()
        summary = run_generation(oryx, instance, timestamp_ms)
        elapsed = time.perf_counter() - started
        if not summary.success:
            raise SystemExit("\n".join(summary.lines()))
        [run] = instance.get_runs()
        steps: dict[str, float] = defaultdict(float)
        for record in instance.all_logs(run.run_id, of_type=DagsterEventType.STEP_SUCCESS):
            event = record.dagster_event
            assert event is not None and event.step_key is not None
            asset = event.step_key if event.step_key in ASSETS else "checks"
            steps[asset] += event.event_specific_data.duration_ms / 1000.0  # type: ignore[union-attr]
    return elapsed, dict(steps)


def time_bare(fit: Callable[[], None]) -> float:
    started = time.perf_counter()
    fit()
    return time.perf_counter() - started


def report(title: str, generations: dict[str, list[tuple[float, dict[str, float]]]], bare: list[float]) -> None:
    """Medians: each generation next to the bare fits it is compared with, the ratio, and where the time went."""
    bare_s = statistics.median(bare)
    print(f"\n{title}, median of {len(bare)} bare fit(s) and {len(generations['refit off'])} round(s):")
    print(f"  bare MLlib fit                      {bare_s:7.2f} s")
    for label, fits in (("refit off", 1), ("refit on", 2)):
        runs = generations[label]
        wall = statistics.median(seconds for seconds, _ in runs)
        ratio = wall / (fits * bare_s)
        print(f"  generation, {label:9s}               {wall:7.2f} s   = {ratio:.2f} x {fits} bare fit(s)")
    print("\n  per asset (median s)     refit off   refit on")
    names = [*ASSETS, "checks"]
    medians = {
        label: {name: statistics.median(steps.get(name, 0.0) for _, steps in runs) for name in names}
        for label, runs in generations.items()
    }
    for name in names:
        print(f"  {name:22s} {medians['refit off'][name]:10.2f} {medians['refit on'][name]:10.2f}")
    dagster = {
        label: statistics.median(wall - sum(steps.values()) for wall, steps in runs)
        for label, runs in generations.items()
    }
    print(f"  {'Dagster, outside steps':22s} {dagster['refit off']:10.2f} {dagster['refit on']:10.2f}")


Timings = dict[str, list[tuple[float, dict[str, float]]]]


def compare_rounds(
    brokers: str,
    lines: list[str],
    update_class: str,
    overrides: Callable[[bool], list[str]],
    bare_fit: Callable[[Path], None],
    rounds: int,
) -> tuple[Timings, list[float]]:
    """Puts ``lines`` on a fresh topic; each round times a generation with refit off and one with refit on
    (``overrides(refit)``), each followed by a bare fit (``bare_fit(folder)``); one bare fit and one generation
    first warm up (a generation's first run in a process is about twice as slow: JIT, Python workers)."""
    generations: Timings = {"refit off": [], "refit on": []}
    bare: list[float] = []
    topics = fresh_input(brokers, lines)
    with tempfile.TemporaryDirectory(prefix="oryx-bench-") as scratch:
        try:
            for round_number in range(rounds):
                for label in generations:
                    folder = Path(scratch) / f"{round_number}-{label.replace(' ', '-')}"
                    oryx = generation_config(brokers, topics, folder, update_class, *overrides(label == "refit on"))
                    if not bare:
                        # Warm-up, not counted: a bare fit and a whole generation, so that neither side pays
                        # alone for the JVM's and the Python workers' first run.
                        start_session(oryx)
                        time_bare(lambda folder=folder: bare_fit(folder))
                        warm_up = Path(scratch) / "warm-up"
                        warm = generation_config(brokers, topics, warm_up, update_class, *overrides(False))
                        timed_generation(warm, 1_600_000_000_000)
                    generations[label].append(timed_generation(oryx, 1_700_000_000_000 + round_number))
                    bare.append(time_bare(lambda folder=folder: bare_fit(folder)))
                    seconds = generations[label][-1][0]
                    print(f"round {round_number + 1}, {label}: generation {seconds:.1f} s, bare fit {bare[-1]:.1f} s")
        finally:
            TopicAdmin(brokers).delete_topics(list(topics))
    return generations, bare
