"""Building and scoring the candidate models of one generation, ``parallelism`` at a time (Oryx 2's ``MLUpdate``).

Candidate ``i`` is built in ``<model-dir>/.temporary/<ts>/<i>/``: the app's PMML is written there as
``model.pmml`` and the app may add side files. Candidates run on a thread pool over the one shared
SparkSession (Spark schedules jobs from several threads side by side; PySpark pins each Python thread to its
own JVM thread), so a pool of two lets Spark overlap one candidate's driver-side work with another's jobs.

This module holds no Dagster code: ``best_model`` turns its results into the asset and its metadata.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from oryx_assets.lambda_.storage import HadoopStorage, child_uri
from oryx_core.api.batch import Evaluation, as_evaluation
from oryx_core.ml.pmml import write_pmml

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from oryx_core.api.batch import MLApp

TEMPORARY_DIR = ".temporary"
MODEL_FILE = "model.pmml"


@dataclass
class Candidate:
    """One hyperparameter combination and what came of it; ``score`` is NaN when not evaluated."""

    index: int
    hyperparams: dict[str, Any]
    relative: str
    """The candidate's folder relative to the model folder: ``.temporary/<ts>/<i>``."""
    built: bool = False
    score: float = math.nan
    seconds: float = 0.0
    evaluation: Evaluation | None = None
    """The app's full evaluation (metrics, baselines) when it gave one; None when not evaluated."""


def temporary_name(timestamp_ms: int) -> str:
    """The generation's scratch folder, relative to the model folder."""
    return f"{TEMPORARY_DIR}/{timestamp_ms}"


def build_candidate(
    app: MLApp,
    spark: SparkSession,
    storage: HadoopStorage,
    candidate: Candidate,
    train: DataFrame,
    test: DataFrame | None,
) -> Candidate:
    """Builds one candidate, writes its PMML, and scores it when there is test data."""
    started = time.monotonic()
    spark.sparkContext.setJobDescription(f"oryx candidate {candidate.index} {candidate.hyperparams}")
    path = child_uri(storage.uri, candidate.relative)
    pmml = app.build_model(spark, train, dict(candidate.hyperparams), path)
    if pmml is not None:
        storage.write_text(f"{candidate.relative}/{MODEL_FILE}", write_pmml(pmml))
        candidate.built = True
        if test is not None:
            candidate.evaluation = as_evaluation(app.evaluate(spark, pmml, path, test, train))
            candidate.score = candidate.evaluation.score
    candidate.seconds = time.monotonic() - started
    return candidate


def build_candidates(
    app: MLApp,
    spark: SparkSession,
    storage: HadoopStorage,
    scratch: str,
    combinations: Sequence[Mapping[str, Any]],
    train: DataFrame,
    test: DataFrame | None,
    parallelism: int,
    log: Callable[[str], None] = lambda _: None,
) -> list[Candidate]:
    """Every combination built and scored, ``min(parallelism, len(combinations))`` at a time.

    ``storage`` is rooted at the model folder and ``scratch`` is relative to it. The first failure is raised
    (after the others finish), as in Oryx 2, rather than silently searching fewer candidates.
    """
    candidates = [Candidate(i, dict(combo), f"{scratch}/{i}") for i, combo in enumerate(combinations)]
    workers = max(1, min(parallelism, len(candidates)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="oryx-candidate") as pool:
        futures = [pool.submit(build_candidate, app, spark, storage, c, train, test) for c in candidates]
        for future in futures:
            done = future.result()
            log(f"candidate {done.index} {done.hyperparams}: score {done.score} in {done.seconds:.1f} s")
    return candidates


def best_candidate(candidates: Sequence[Candidate]) -> Candidate | None:
    """The built candidate with the highest score; when none has a score, the first built one (Oryx 2's rule)."""
    built = [c for c in candidates if c.built]
    scored = [c for c in built if not math.isnan(c.score)]
    if scored:
        return max(scored, key=lambda c: (c.score, -c.index))
    return built[0] if built else None


def meets_threshold(score: float | None, threshold: float | None) -> bool:
    """Oryx 2's rule: a model is kept unless its score is below the threshold; an unknown (NaN) score passes."""
    if threshold is None or score is None or math.isnan(score):
        return True
    return score >= threshold


def _cell(value: Any) -> str:
    text = f"{value:.6g}" if isinstance(value, float) else str(value)
    return text.replace("|", "\\|")


def candidates_markdown(candidates: Sequence[Candidate], best: Candidate | None) -> str:
    """One row per candidate: its hyperparameters, score, build time, and which one won."""
    names = sorted({name for c in candidates for name in c.hyperparams})
    header = ["#", *names, "score", "seconds", "chosen"]
    rows = [
        [
            str(c.index),
            *(_cell(c.hyperparams.get(n, "")) for n in names),
            _cell(c.score) if c.built else "no model",
            f"{c.seconds:.1f}",
            "yes" if best is not None and c.index == best.index else "",
        ]
        for c in candidates
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
