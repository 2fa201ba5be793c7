"""The scikit-learn route into the ML tier: an app is a scikit-learn estimator factory, nothing more.

A subclass of :class:`SklearnMLApp` says which hyperparameters to search and builds an estimator (or a
``Pipeline``) from one combination of them. This base does the rest of the ``MLApp`` contract:

* the lines are collected from Spark to the driver and parsed (CSV or JSON arrays) into a pandas frame whose
  columns are named and typed by ``oryx.input-schema.*`` (numeric columns as floats, categorical as strings;
  ID and ignored columns dropped; the target column split off). Lines that do not parse, have the wrong
  number of fields, or hold a non-number in a numeric column are skipped and counted, as Oryx 2 skips them;
* the estimator is fitted and exported to PMML with ``sklearn2pmml`` (which runs Java, so ``java`` must be on
  the PATH of the batch layer);
* candidates are scored on the test lines with scikit-learn's metrics next to a trivial model's
  (``sklearn_evaluation``): accuracy and log-loss against always predicting the majority class for
  classifiers, RMSE and MAE against predicting the training mean for regressors. The score is the accuracy,
  or the negated RMSE (higher is better), unless the app overrides :meth:`SklearnMLApp.score`; the baseline's
  score is then unknown, since it is on the app's scale.

Size limit: scikit-learn trains in one process, so the whole training set must fit in the driver's memory.
A generation whose training or test set has more than :attr:`SklearnMLApp.max_collect_rows` lines (one
million by default; a subclass may raise it) fails with an error saying so, rather than running the driver
out of memory. Larger data wants a Spark MLlib app instead.
"""

from __future__ import annotations

import math
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd
from sklearn.base import BaseEstimator, is_classifier
from sklearn.metrics import accuracy_score, root_mean_squared_error
from sklearn.pipeline import Pipeline
from sklearn2pmml import sklearn2pmml
from sklearn2pmml.pipeline import PMMLPipeline

from oryx_assets.ml.sklearn_evaluation import TrainingTarget, evaluate_pipeline
from oryx_core.api.batch import Evaluation, MLUpdate
from oryx_core.config import OryxConfig
from oryx_core.input.lines import BadLineCounter
from oryx_core.input.schema import InputSchema
from oryx_core.ml.pmml import read_pmml

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from pyspark.sql import DataFrame, SparkSession

    from oryx_core.ml.hyperparams import HyperParamValues


class SklearnMLApp(MLUpdate, ABC):
    """Base of scikit-learn apps: implement :meth:`hyperparameter_values` and :meth:`make_estimator`."""

    max_collect_rows: ClassVar[int] = 1_000_000
    """Most lines collected to the driver for one fit or evaluation (see the module docstring)."""

    def __init__(self, config: OryxConfig | None = None) -> None:
        if config is None:
            raise ValueError(f"{type(self).__name__} needs the Oryx configuration (its oryx.input-schema)")
        super().__init__(config)
        self.columns = InputSchema.from_config(config)
        self._fitted: dict[str, tuple[Pipeline, TrainingTarget]] = {}
        self._lock = threading.Lock()

    @abstractmethod
    def hyperparameter_values(self, config: OryxConfig) -> Mapping[str, HyperParamValues]:
        """Name -> values to search; the names are what :meth:`make_estimator` receives."""

    @abstractmethod
    def make_estimator(self, hyperparams: dict[str, Any]) -> BaseEstimator:
        """An unfitted estimator or ``Pipeline`` for one combination of hyperparameters.

        It receives a pandas frame of the predictor columns (floats and strings, see the module docstring),
        so categorical columns need an encoder in the pipeline.
        """

    @property
    def is_classification(self) -> bool:
        """A categorical target means classification, a numeric one regression (as Oryx 2's RDF decides)."""
        return self.columns.target not in self.columns.numeric

    def score(self, estimator: Pipeline, features: pd.DataFrame, target: pd.Series) -> float:
        """Higher is better: accuracy for classifiers, negated root mean squared error otherwise."""
        predicted = estimator.predict(features)
        if is_classifier(estimator):
            return float(accuracy_score(target, predicted))
        return -float(root_mean_squared_error(target, predicted))

    def collect(self, lines: DataFrame) -> tuple[pd.DataFrame, pd.Series, int]:
        """The predictors and target of the ``value`` lines, and how many lines were skipped as bad."""
        count = lines.count()
        if count > self.max_collect_rows:
            raise ValueError(
                f"{count} lines are too many to train scikit-learn in the driver "
                f"({type(self).__name__}.max_collect_rows = {self.max_collect_rows}); "
                "lower oryx.batch.storage.max-age-data-hours, raise the limit if memory allows, or use a Spark app"
            )
        counter = BadLineCounter()
        rows = []
        for line in lines.select("value").toPandas()["value"]:
            fields = counter.parse(line)
            if fields is None:
                continue
            try:
                rows.append(self.columns.row(fields))
            except ValueError as error:
                counter.record(line, str(error))
        frame = pd.DataFrame(rows, columns=[*self.columns.predictors, self.columns.target])
        target = frame.pop(self.columns.target)
        return frame, target.astype(float if not self.is_classification else object), counter.count

    def _pmml_pipeline(self, hyperparams: dict[str, Any]) -> PMMLPipeline:
        estimator = self.make_estimator(hyperparams)
        if isinstance(estimator, PMMLPipeline):
            return estimator
        steps = estimator.steps if isinstance(estimator, Pipeline) else [("estimator", estimator)]
        return PMMLPipeline(steps)

    def build_model(
        self, spark: SparkSession, train_df: DataFrame, hyperparams: dict[str, Any], candidate_dir: str
    ) -> Element | None:
        features, target, _ = self.collect(train_df)
        if features.empty:
            return None
        pipeline = self._pmml_pipeline(hyperparams)
        pipeline.fit(features, target)
        with tempfile.TemporaryDirectory(prefix="oryx-sklearn-") as scratch:
            path = Path(scratch) / "model.pmml"
            sklearn2pmml(pipeline, str(path))
            pmml = read_pmml(path.read_bytes())
        with self._lock:
            self._fitted[candidate_dir] = (pipeline, TrainingTarget.of(target, self.is_classification))
        return pmml

    def evaluate(
        self, spark: SparkSession, model_pmml: Element, candidate_dir: str, test_df: DataFrame, train_df: DataFrame
    ) -> Evaluation:
        """Scores the fitted estimator kept from ``build_model`` (the PMML itself is not evaluated here)."""
        with self._lock:
            fitted = self._fitted.pop(candidate_dir, None)
        if fitted is None:
            return Evaluation(math.nan)
        features, target, _ = self.collect(test_df)
        if features.empty:
            return Evaluation(math.nan, test_rows=0)
        pipeline, training_target = fitted
        evaluation = evaluate_pipeline(pipeline, features, target, training_target)
        if type(self).score is not SklearnMLApp.score:
            return replace(evaluation, score=self.score(pipeline, features, target), baseline_score=None)
        return evaluation
