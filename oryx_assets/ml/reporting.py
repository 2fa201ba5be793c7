"""What a generation's model search shows in Dagster: the candidate table and the winner's figures as numbers.

Numbers are ``MetadataValue.float`` under the same keys every generation, so the asset's page plots them across
generations: ``score``, ``metric_<name>`` for each of the winner's metrics (``metric_rmse``, ``metric_auc``...),
``baseline_<baseline>_<name>`` for each baseline's (``baseline_global_mean_rmse``), and ``baseline_score``.
Names are lower-cased and anything but letters, digits and ``_`` becomes ``_``, so keys stay stable and
cannot collide with the asset's other entries.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from dagster import MetadataValue

from oryx_assets.ml.candidates import Candidate
from oryx_core.api.batch import Evaluation

MAIN_METRICS = 4
"""Metric columns in the candidate table (the app's first ones); every metric of the winner is metadata."""


def metadata_key(*parts: str) -> str:
    return "_".join(re.sub(r"[^a-z0-9_]+", "_", part.lower()).strip("_") for part in parts)


def _cell(value: Any) -> str:
    text = f"{value:.6g}" if isinstance(value, float) else str(value)
    return text.replace("|", "\\|")


def metric_names(candidates: Sequence[Candidate]) -> list[str]:
    """The metrics the candidates report, in the app's order, at most ``MAIN_METRICS``."""
    names: dict[str, None] = {}
    for candidate in candidates:
        if candidate.evaluation is not None:
            names.update(dict.fromkeys(candidate.evaluation.metrics))
    return list(names)[:MAIN_METRICS]


def candidates_markdown(candidates: Sequence[Candidate], best: Candidate | None) -> str:
    """One row per candidate: its hyperparameters, score, main metrics, build time, and which one won."""
    names = sorted({name for c in candidates for name in c.hyperparams})
    metrics = metric_names(candidates)
    header = ["#", *names, "score", *metrics, "seconds", "chosen"]
    rows = []
    for c in candidates:
        figures = c.evaluation.metrics if c.evaluation is not None else {}
        rows.append(
            [
                str(c.index),
                *(_cell(c.hyperparams.get(n, "")) for n in names),
                _cell(c.score) if c.built else "no model",
                *(_cell(float(figures[m])) if m in figures else "" for m in metrics),
                f"{c.seconds:.1f}",
                "yes" if best is not None and c.index == best.index else "",
            ]
        )
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _floats(entries: dict[str, float]) -> dict[str, MetadataValue]:
    return {key: MetadataValue.float(float(value)) for key, value in entries.items() if math.isfinite(value)}


def evaluation_metadata(evaluation: Evaluation) -> dict[str, Any]:
    """The winner's score, metrics and baselines as numeric entries (NaN figures are left out)."""
    numbers = {"score": evaluation.score}
    numbers.update({metadata_key("metric", name): value for name, value in evaluation.metrics.items()})
    for baseline, figures in evaluation.baselines.items():
        numbers.update({metadata_key("baseline", baseline, name): value for name, value in figures.items()})
    if evaluation.baseline_score is not None:
        numbers["baseline_score"] = evaluation.baseline_score
    metadata: dict[str, Any] = _floats(numbers)
    if evaluation.baseline is not None:
        metadata["baseline"] = evaluation.baseline
    if evaluation.test_rows is not None:
        metadata["scored_test_rows"] = evaluation.test_rows
    return metadata


def baselines_markdown(evaluation: Evaluation) -> str | None:
    """The model next to each baseline, one row each, on the metrics they share; None without baselines."""
    if not evaluation.baselines:
        return None
    metrics = [m for m in evaluation.metrics if any(m in figures for figures in evaluation.baselines.values())]
    rows = [["model", *(_cell(float(evaluation.metrics[m])) for m in metrics)]]
    for name, figures in evaluation.baselines.items():
        rows.append([name, *(_cell(float(figures[m])) if m in figures else "" for m in metrics)])
    lines = ["| | " + " | ".join(metrics) + " |", "|" + "---|" * (len(metrics) + 1)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
