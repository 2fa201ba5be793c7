"""Building and scoring the candidate models of one generation, ``parallelism`` at a time (Oryx 2's ``MLUpdate``).

Candidate ``i`` is built in ``<model-dir>/.temporary/<ts>/<i>/``: the app's PMML is written there as
``model.pmml`` and the app may add side files. Candidates run on a thread pool over the one shared
SparkSession (Spark schedules jobs from several threads side by side; PySpark pins each Python thread to its
own JVM thread), so a pool of two lets Spark overlap one candidate's driver-side work with another's jobs.

The winner's hyperparameters are then built once more on every line (:func:`refit`, ``oryx.ml.eval.refit``).

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
    from xml.etree.ElementTree import Element

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


def build_into(
    app: MLApp,
    spark: SparkSession,
    storage: HadoopStorage,
    relative: str,
    hyperparams: Mapping[str, Any],
    train: DataFrame,
) -> Element | None:
    """The app's model of ``train`` built in ``<model folder>/<relative>/``, its PMML written there."""
    pmml = app.build_model(spark, train, dict(hyperparams), child_uri(storage.uri, relative))
    if pmml is not None:
        storage.write_text(f"{relative}/{MODEL_FILE}", write_pmml(pmml))
    return pmml


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
    pmml = build_into(app, spark, storage, candidate.relative, candidate.hyperparams, train)
    if pmml is not None:
        candidate.built = True
        if test is not None:
            path = child_uri(storage.uri, candidate.relative)
            candidate.evaluation = as_evaluation(app.evaluate(spark, pmml, path, test, train))
            candidate.score = candidate.evaluation.score
    candidate.seconds = time.monotonic() - started
    return candidate


def refit(
    app: MLApp, spark: SparkSession, storage: HadoopStorage, winner: Candidate, every_line: DataFrame, final: str
) -> bool:
    """Builds the winner's hyperparameters again on every line (train + test) into ``<model folder>/<final>/``.

    The winner was fitted on the training split only; its validation score stands for the refitted model,
    which has seen more data (the usual practice once hyperparameters are chosen). False when the app built
    no model from all the data; ``final`` is then left absent.
    """
    storage.delete(final)
    spark.sparkContext.setJobDescription(f"oryx refit of candidate {winner.index} {winner.hyperparams}")
    if build_into(app, spark, storage, final, winner.hyperparams, every_line) is not None:
        return True
    storage.delete(final)
    return False


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


def best_candidate(candidates: Sequence[Candidate], evaluated: bool = True) -> Candidate | None:
    """The built candidate with the highest valid score; ties go to the first.

    A NaN score never wins: when the generation was evaluated and no candidate has a real score there is no
    winner (Oryx 2 took the first built candidate). Without evaluation (``test-fraction`` 0, one candidate)
    the first built candidate is the model.
    """
    built = [c for c in candidates if c.built]
    if not evaluated:
        return built[0] if built else None
    scored = [c for c in built if not math.isnan(c.score)]
    return max(scored, key=lambda c: (c.score, -c.index)) if scored else None
