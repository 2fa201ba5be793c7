"""Scores a candidate forest on the test lines, next to the trivial model a forest must beat.

The candidate is read back from its PMML and scored with the serving layer's own vectorised prediction code
(``CompiledForest``), a whole Arrow batch at a time, so the figures are those of the model that will be served.
Test lines are read as the serving layer reads a request: a missing predictor value or a category the model never
saw takes the trees' missing-value path (such lines are counted and logged). A line the model cannot score at all
(malformed, or with a missing or unknown target) is skipped and counted.

* Classification: ``accuracy`` (the most probable class is the target) and ``log_loss`` (mean −ln of the
  probability given to the target, clipped at ``EPSILON`` as scikit-learn's ``log_loss`` does), next to the
  ``majority`` baseline: the training data's class shares as the prediction for every line. Score: accuracy.
* Regression: ``rmse`` and ``mae``, next to the ``mean`` baseline: the training targets' mean for every line.
  Score: −RMSE.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from oryx_assets.apps.rdf.examples import parse_examples, usable
from oryx_core.api.batch import Evaluation
from oryx_core.apps.rdf.compiled import CompiledForest
from oryx_core.apps.rdf.encoding import Encodings
from oryx_core.apps.rdf.trees import Forest
from oryx_core.input.lines import BadLineError, parse_line

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

log = logging.getLogger(__name__)

EPSILON = float(np.finfo(np.float64).eps)
"""Smallest probability a log-loss takes the logarithm of (scikit-learn's clip for float64 probabilities)."""

CLASSIFICATION_PARTS = ("hit", "log_loss", "majority_hit", "majority_log_loss")
REGRESSION_PARTS = ("squared_error", "absolute_error", "mean_squared_error", "mean_absolute_error")
INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class TrainingTarget:
    """What the baseline predicts: per-class shares of the training targets (by encoding), or their mean."""

    priors: tuple[float, ...] | None = None
    mean: float | None = None

    @property
    def majority(self) -> int:
        """The most frequent training class's encoding (the lowest on a tie, as the forest breaks ties)."""
        assert self.priors is not None
        return int(np.argmax(self.priors))


def training_target(train_df: DataFrame, encodings: Encodings) -> TrainingTarget | None:
    """The class shares or mean of the targets of the usable training lines (the ones the forest learnt from);
    None when there are none."""
    from pyspark.sql import functions as F

    schema = encodings.schema
    target = schema.target
    assert target is not None
    examples = usable(parse_examples(train_df, schema))
    classes = encodings.classes
    if classes is None:
        row = examples.agg(F.avg(target).alias("mean")).first()
        return None if row is None or row["mean"] is None else TrainingTarget(mean=float(row["mean"]))
    counts = {r[target]: int(r["count"]) for r in examples.groupBy(target).count().collect()}
    total = sum(counts.get(c, 0) for c in classes)
    if not total:
        return None
    return TrainingTarget(priors=tuple(counts.get(c, 0) / total for c in classes))


def row_losses(compiled: CompiledForest, x: np.ndarray, y: np.ndarray, target: TrainingTarget) -> dict[str, Any]:
    """Per example (rows of ``x``, targets ``y``): the model's and the baseline's hit and log-loss (classes), or
    squared and absolute errors (values)."""
    if compiled.is_classification:
        assert target.priors is not None
        codes = y.astype(np.int64)
        distributions = compiled.distributions(x)
        given = distributions[np.arange(len(codes)), codes]
        priors = np.asarray(target.priors, dtype=np.float64)
        return {
            "hit": (np.argmax(distributions, axis=1) == codes).astype(np.float64),
            "log_loss": -np.log(np.maximum(given, EPSILON)),
            "majority_hit": (codes == target.majority).astype(np.float64),
            "majority_log_loss": -np.log(np.maximum(priors[codes], EPSILON)),
        }
    assert target.mean is not None
    errors = compiled.predict_values(x) - y
    baseline_errors = target.mean - y
    return {
        "squared_error": errors**2,
        "absolute_error": np.abs(errors),
        "mean_squared_error": baseline_errors**2,
        "mean_absolute_error": np.abs(baseline_errors),
    }


def _score_batches(forest: Forest, encodings: Encodings, target: TrainingTarget) -> Any:
    """The ``mapInPandas`` function: each test line's loss parts (NaN if unscorable) and whether it had missing
    or unseen predictor values."""
    compiled = CompiledForest(forest)
    parts = CLASSIFICATION_PARTS if compiled.is_classification else REGRESSION_PARTS

    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            results = {part: np.full(len(batch), np.nan) for part in parts}
            incomplete = np.zeros(len(batch))
            rows, vectors, targets = [], [], []
            for i, line in enumerate(batch["value"]):
                try:
                    fields = parse_line(line)
                    features = encodings.prediction_features(fields)
                    targets.append(encodings.target(fields))
                except (BadLineError, ValueError, TypeError):
                    continue
                vectors.append(features.vector)
                incomplete[i] = 1.0 if features.missing or features.unseen else 0.0
                rows.append(i)
            if rows:
                x, y = np.array(vectors, dtype=np.float64), np.array(targets, dtype=np.float64)
                for part, values in row_losses(compiled, x, y, target).items():
                    results[part][rows] = values
            yield pd.DataFrame({**results, INCOMPLETE: incomplete})

    return score


def summary(means: Mapping[str, float], rows: int, classification: bool) -> Evaluation:
    """The :class:`Evaluation` of mean loss parts over ``rows`` scored test lines."""
    if classification:
        accuracy, majority = means["hit"], means["majority_hit"]
        return Evaluation(
            score=accuracy,
            metrics={"accuracy": accuracy, "log_loss": means["log_loss"]},
            baselines={"majority": {"accuracy": majority, "log_loss": means["majority_log_loss"]}},
            baseline="majority",
            baseline_score=majority,
            test_rows=rows,
        )
    rmse, baseline_rmse = math.sqrt(means["squared_error"]), math.sqrt(means["mean_squared_error"])
    return Evaluation(
        score=-rmse,
        metrics={"rmse": rmse, "mae": means["absolute_error"]},
        baselines={"mean": {"rmse": baseline_rmse, "mae": means["mean_absolute_error"]}},
        baseline="mean",
        baseline_score=-baseline_rmse,
        test_rows=rows,
    )


def evaluate_forest(
    test_df: DataFrame, forest: Forest, encodings: Encodings, target: TrainingTarget | None
) -> Evaluation:
    """Accuracy and log-loss, or RMSE and MAE, of ``forest`` on the test lines, with the baseline's; a NaN score
    with no scorable line or no training target."""
    from pyspark.sql import functions as F

    if target is None:
        log.warning("RDF evaluation: no usable training lines, so no baseline and no score")
        return Evaluation(score=math.nan, test_rows=0)
    parts = CLASSIFICATION_PARTS if forest.is_classification else REGRESSION_PARTS
    schema = ", ".join(f"{part} double" for part in (*parts, INCOMPLETE))
    scores = test_df.select("value").mapInPandas(_score_batches(forest, encodings, target), schema)
    scored = F.col(parts[0]).isNotNull() & ~F.isnan(parts[0])  # Arrow may hand pandas' NaN over as null
    row = scores.agg(
        F.sum(F.when(scored, 1).otherwise(0)).alias("_scored"),
        F.sum(F.when(scored, 0).otherwise(1)).alias("_skipped"),
        F.sum(F.when(scored, F.col(INCOMPLETE)).otherwise(0)).alias("_incomplete"),
        *(F.avg(F.when(scored, F.col(part))).alias(part) for part in parts),
    ).first()
    assert row is not None
    if row["_skipped"]:
        log.warning("RDF evaluation: skipped %d test line(s) the model cannot score", row["_skipped"])
    if row["_incomplete"]:
        log.info("RDF evaluation: %d test line(s) had missing or unseen predictor values", int(row["_incomplete"]))
    rows = int(row["_scored"] or 0)
    if not rows:
        return Evaluation(score=math.nan, test_rows=0)
    return summary({part: float(row[part]) for part in parts}, rows, forest.is_classification)
