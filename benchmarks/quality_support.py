"""What every section of ``model_quality.py`` shares: a broker, one real generation, timing, and the table.

"Ours" is always the model a user gets: the training lines go onto a fresh input topic, one generation runs
through the Dagster job exactly as ``oryx batch`` runs it (the app's default search over its default ranges,
the refit on all lines), and the published model folder ``<model-dir>/<generation>/`` is read back and
scored on the held-out lines by the benchmark's own code, the same code that scores every other method.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parents[1]
GENERATION_MS = 1_700_000_000_000
EXTRA_OVERRIDES: list[str] = []
"""``--set key=value`` from the command line: applied to every generation after the app's own settings."""
T = TypeVar("T")


@contextlib.contextmanager
def kafka_broker(port: int) -> Iterator[str]:
    """A broker on 127.0.0.1:``port`` for the run: the project's own ``infra/kafka/broker.sh``, reused if running."""
    env = {**os.environ, "ORYX_KAFKA_PORT": str(port)}
    status = subprocess.run(["bash", "infra/kafka/broker.sh", "status"], cwd=REPO, env=env, capture_output=True)
    started = status.returncode != 0
    if started:
        subprocess.run(["bash", "infra/kafka/broker.sh", "start"], cwd=REPO, env=env, check=True, capture_output=True)
    brokers = f"127.0.0.1:{port}"
    try:
        from oryx_core.topics.admin import TopicAdmin

        TopicAdmin(brokers).wait_until_ready(60)
        yield brokers
    finally:
        if started:
            subprocess.run(["bash", "infra/kafka/broker.sh", "stop"], cwd=REPO, env=env, capture_output=True)


def timed(function: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


@dataclass
class Generation:
    """A published model folder and what the generation's ``tuned_model`` asset recorded."""

    model_dir: Path
    metadata: dict[str, object]
    seconds: float


def run_oryx_generation(brokers: str, folder: Path, lines: Sequence[str], overrides: Sequence[str]) -> Generation:
    """Puts ``lines`` on a fresh input topic and runs one generation with the app's config ``overrides``.

    Raises SystemExit with the generation's summary when it publishes nothing: a benchmark must not score a
    model that does not exist.
    """
    from dagster import DagsterInstance

    from oryx_assets.generation import run_generation
    from oryx_assets.resources import OryxConfigResource
    from oryx_core.topics.admin import TopicAdmin
    from oryx_core.topics.producer import TopicProducer

    suffix = uuid.uuid4().hex[:10]
    input_topic, update_topic = f"QualityInput-{suffix}", f"QualityUpdate-{suffix}"
    admin = TopicAdmin(brokers)
    admin.create_oryx_topics(input_topic, update_topic)
    try:
        with TopicProducer(brokers, input_topic, linger_ms=50) as producer:
            for line in lines:
                producer.send(None, line)
            producer.flush(300)
        oryx = OryxConfigResource(
            overrides=[
                f"oryx.id=quality-{suffix}",
                f"oryx.input-topic.broker={brokers}",
                f"oryx.input-topic.message.topic={input_topic}",
                f"oryx.update-topic.broker={brokers}",
                f"oryx.update-topic.message.topic={update_topic}",
                f"oryx.batch.storage.data-dir=file:{folder}/data/",
                f"oryx.batch.storage.model-dir=file:{folder}/model/",
                "oryx.batch.streaming.master=local[2]",
                'oryx.batch.streaming.config."spark.ui.enabled"=false',
                'oryx.batch.streaming.config."spark.ui.showConsoleProgress"=false',
                'oryx.batch.streaming.config."spark.log.level"=ERROR',
                *overrides,
                *EXTRA_OVERRIDES,
            ]
        )
        with DagsterInstance.ephemeral() as instance:
            summary, seconds = timed(lambda: run_generation(oryx, instance, GENERATION_MS))
    finally:
        admin.delete_topics([input_topic, update_topic])
    model_dir = folder / "model" / str(GENERATION_MS)
    if not summary.success or not (model_dir / "model.pmml").is_file():
        raise SystemExit("the generation published no model:\n" + "\n".join(summary.lines()))
    return Generation(model_dir, summary.assets.get("tuned_model", {}), seconds)


@dataclass
class Row:
    """One method's figures on one task; ``figures`` maps metric names to values."""

    method: str
    figures: dict[str, float]
    seconds: float | None = None
    note: str = ""


@dataclass
class Section:
    """One data set and task: its rows, the metric columns, and which way each metric is better."""

    title: str
    metrics: list[str]
    rows: list[Row] = field(default_factory=list)
    higher_is_better: dict[str, bool] = field(default_factory=dict)

    def add(self, method: str, figures: dict[str, float], seconds: float | None = None, note: str = "") -> None:
        self.rows.append(Row(method, figures, seconds, note))
        print(f"  {self.title}: {method} {figures} ({'-' if seconds is None else f'{seconds:.1f} s'})", flush=True)

    def ratio_to_best(self, metric: str, ours: str = "oryx") -> float | None:
        """Ours / the best other method's figure (for a lower-is-better metric, ours / best: < 1 wins)."""
        mine = [row.figures[metric] for row in self.rows if row.method.startswith(ours) and metric in row.figures]
        others = [row.figures[metric] for row in self.rows if not row.method.startswith(ours) and metric in row.figures]
        if not mine or not others:
            return None
        best = max(others) if self.higher_is_better.get(metric, False) else min(others)
        return mine[0] / best if best else None


def print_table(sections: Sequence[Section]) -> None:
    """One Markdown table per section: methods as rows, metrics and wall time as columns."""
    for section in sections:
        print(f"\n### {section.title}\n")
        header = ["method", *section.metrics, "seconds", "note"]
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in section.rows:
            cells = [row.method]
            cells += [f"{row.figures[m]:.4g}" if m in row.figures else "" for m in section.metrics]
            cells += ["" if row.seconds is None else f"{row.seconds:.1f}", row.note]
            print("| " + " | ".join(cells) + " |")
        for metric in section.metrics:
            ratio = section.ratio_to_best(metric)
            if ratio is not None:
                better = "higher" if section.higher_is_better.get(metric, False) else "lower"
                print(f"\n{metric}: oryx / best other = {ratio:.3f} ({better} is better)")
