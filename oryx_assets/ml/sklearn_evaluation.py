"""How the scikit-learn route scores a fitted pipeline: the usual metrics next to a trivial model's.

* Classification: ``accuracy`` and, when the pipeline gives probabilities, ``log_loss``, next to the
  ``majority`` baseline (always predict the training set's most frequent class, with the training class
  frequencies as its probabilities). The score is the accuracy.
* Regression: ``rmse`` and ``mae`` next to the ``mean`` baseline (always predict the training mean). The score
  is ``-rmse`` (higher is better).

The baseline is fitted on the training target only, so it sees no more than the model did.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import is_classifier
from sklearn.metrics import accuracy_score, log_loss, mean_absolute_error, root_mean_squared_error
from sklearn.pipeline import Pipeline

from oryx_core.api.batch import Evaluation


@dataclass(frozen=True)
class TrainingTarget:
    """What the baselines need from the training target: its mean, or its class frequencies."""

    mean: float | None
    class_shares: dict[object, float]

    @classmethod
    def of(cls, target: pd.Series, classification: bool) -> TrainingTarget:
        if classification:
            return cls(None, {label: float(share) for label, share in target.value_counts(normalize=True).items()})
        return cls(float(target.mean()), {})


def _classification(pipeline: Pipeline, features: pd.DataFrame, target: pd.Series, train: TrainingTarget) -> Evaluation:
    predicted = pipeline.predict(features)
    majority = max(train.class_shares, key=lambda label: train.class_shares[label])
    metrics = {"accuracy": float(accuracy_score(target, predicted))}
    baseline = {"accuracy": float(np.mean(target.to_numpy() == majority))}
    classes = list(getattr(pipeline, "classes_", []))
    if hasattr(pipeline, "predict_proba") and classes and set(target) <= set(classes):
        metrics["log_loss"] = float(log_loss(target, pipeline.predict_proba(features), labels=classes))
        prior = np.array([[train.class_shares.get(label, 0.0) for label in classes]] * len(target))
        baseline["log_loss"] = float(log_loss(target, prior, labels=classes))
    return Evaluation(
        metrics["accuracy"], metrics, {"majority": baseline}, "majority", baseline["accuracy"], test_rows=len(target)
    )


def _regression(pipeline: Pipeline, features: pd.DataFrame, target: pd.Series, train: TrainingTarget) -> Evaluation:
    predicted = pipeline.predict(features)
    assert train.mean is not None
    constant = np.full(len(target), train.mean)
    metrics = {
        "rmse": float(root_mean_squared_error(target, predicted)),
        "mae": float(mean_absolute_error(target, predicted)),
    }
    baseline = {
        "rmse": float(root_mean_squared_error(target, constant)),
        "mae": float(mean_absolute_error(target, constant)),
    }
    return Evaluation(-metrics["rmse"], metrics, {"mean": baseline}, "mean", -baseline["rmse"], test_rows=len(target))


def evaluate_pipeline(
    pipeline: Pipeline, features: pd.DataFrame, target: pd.Series, train: TrainingTarget
) -> Evaluation:
    """The pipeline's metrics on the test rows next to the baseline's (see the module docstring)."""
    if is_classifier(pipeline):
        return _classification(pipeline, features, target, train)
    return _regression(pipeline, features, target, train)
