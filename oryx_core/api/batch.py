"""Batch-layer app interfaces: Oryx 2's ``BatchLayerUpdate`` and the ML tier's ``MLApp`` (Oryx 2's ``MLUpdate``).

An app implements one of the two and is named by ``oryx.batch.update-class``:

* ``BatchLayerUpdate`` is the generic contract: one call per generation with the new and past input, and the app
  builds and publishes whatever it likes.
* ``MLApp`` is the ML tier's contract: the app only builds a model from training data and hyperparameters, and
  scores it on test data. The batch layer does the rest, as Oryx 2's ``MLUpdate`` did: the train/test split
  (``oryx.ml.eval.test-fraction``), the hyperparameter search (``oryx.ml.eval.candidates``, ``hyperparam-search``,
  ``parallelism``), choosing the best candidate, the ``threshold``, writing ``<model-dir>/<ts>/model.pmml`` and
  publishing it as ``MODEL`` / ``MODEL-REF``. An ``MLApp`` needs no Dagster knowledge.

Apps receive Spark DataFrames but this module never imports pyspark at run time, so ``oryx_core`` stays free of
the Spark dependency for the serving layer. Input DataFrames have the columns ``key`` (string, may be null) and
``value`` (the input line, still unparsed: apps parse with ``oryx_core.input.lines.parse_line``), unless an
``MLApp`` parses its input up front (``parse_input``, below): it then receives its own parsed rows.

The batch layer builds the app once per run (``oryx_assets.app_resource``), from the configuration, with
``AppClass(config)``: validate ``oryx.<app>.*`` keys in ``__init__``, so a bad key fails before any Spark work.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from pyspark.sql import DataFrame, SparkSession

    from oryx_core.config import OryxConfig
    from oryx_core.ml.hyperparams import HyperParamValues
    from oryx_core.topics.producer import TopicProducer


@runtime_checkable
class BatchLayerUpdate(Protocol):
    """Builds and publishes a model from one generation's data.

    ``new_data`` and ``past_data`` have columns ``key`` (string, may be null) and ``value`` (the input line).
    ``past_data`` is None on the first generation. ``producer`` writes to the update topic and is None when
    publishing is turned off (no update topic configured).
    """

    def run_update(
        self,
        spark: SparkSession,
        timestamp_ms: int,
        new_data: DataFrame,
        past_data: DataFrame | None,
        model_dir: str,
        producer: TopicProducer | None,
    ) -> dict[str, object]:
        """Returns metadata worth showing an operator (counts, sizes, paths); may be empty."""
        ...


@runtime_checkable
class MLApp(Protocol):
    """An app of the ML tier: builds one candidate model per hyperparameter combination and scores it.

    Three methods are required. Two more are optional, and the batch layer falls back to the defaults below
    when an app does not define them (subclassing :class:`MLUpdate` gives them as methods to override):

    * ``split_new_data(new_df, test_fraction, seed) -> (train_df, test_df)``: how new data is held out for
      testing; random by default (:func:`random_split`), time-based for ALS. Only called with
      ``0 < test_fraction < 1`` and non-empty new data; past data always goes to training.
    * ``publish_additional_model_data(spark, pmml, new_df, past_df, model_dir, producer)``: extra ``UP``
      messages sent after the model (ALS sends its vectors); nothing by default.
    * ``parse_input(spark, lines_df) -> parsed_df``: the app's rows of ``(key, value)`` lines (ALS: user, item,
      strength, time; k-means: a feature vector), bad lines kept with a reason if the app wants to report them.
      When an app defines it, the batch layer parses each generation's new lines and its past lines once,
      keeps them cached for the run, stores the split as parsed rows, and every method above receives parsed
      rows instead of lines: the split, every candidate's ``build_model`` and ``evaluate``, the refit and
      ``publish_additional_model_data``. Parsing is usually a Python pass over every line, the costliest step
      before training; without ``parse_input`` each method parses what it is given (see :func:`holds_lines`).
    """

    def hyperparameter_values(self, config: OryxConfig) -> Mapping[str, HyperParamValues]:
        """Name -> the values to search, usually ``from_oryx_config(config, "oryx.<app>.hyperparams.<name>")``.

        Empty when the app has no hyperparameters; every candidate then gets ``{}``.
        """
        ...

    def build_model(
        self, spark: SparkSession, train_df: DataFrame, hyperparams: dict[str, Any], candidate_dir: str
    ) -> Element | None:
        """The PMML of a model trained on ``train_df`` with one combination of hyperparameters, or None if none.

        ``candidate_dir`` is this candidate's own folder (a Hadoop URI such as ``file:/...``); the app may
        write side files there (ALS writes ``X/`` and ``Y/``). The batch layer writes the returned PMML to
        ``<candidate_dir>/model.pmml``; the folder of the winning candidate becomes ``<model-dir>/<ts>/``.
        Called from several threads at once when ``oryx.ml.eval.parallelism`` > 1, on one shared SparkSession.
        """
        ...

    def evaluate(
        self,
        spark: SparkSession,
        model_pmml: Element,
        candidate_dir: str,
        test_df: DataFrame,
        train_df: DataFrame,
    ) -> float | Evaluation:
        """The candidate's score on ``test_df``: higher is better (negate errors such as RMSE), NaN if unknown.

        A plain float is the score alone (Oryx 2's contract). An :class:`Evaluation` adds the figures users
        compare models by and the app's baselines, which the batch layer records per generation and checks
        the model against. Not called when there is no test data (``test-fraction`` 0); the score is then NaN.
        """
        ...


@dataclass(frozen=True)
class Evaluation:
    """A candidate's score with the metrics and baselines a user judges it by.

    * ``score``: what candidate selection maximises (higher is better, e.g. -RMSE, AUC, accuracy).
    * ``metrics``: the model's figures under their usual names and signs (``rmse``, ``mae``, ``auc``,
      ``precision_at_10``, ``ndcg_at_10``, ``accuracy``, ``log_loss``, ``inertia``, ``silhouette``).
    * ``baselines``: each trivial model's figures on the same test data, by baseline name
      (``{"global_mean": {"rmse": 1.04, "mae": 0.83}}``); the same metric names as ``metrics``.
    * ``baseline_score``: the strongest baseline on the ``score`` scale, named ``baseline``: the model is
      expected to beat it (the batch layer warns, or blocks publication, when it does not). None when the app
      has no meaningful baseline.
    * ``test_rows``: how many test rows were scored (lines the model could not score are not counted).
    """

    score: float
    metrics: Mapping[str, float] = field(default_factory=dict)
    baselines: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    baseline: str | None = None
    baseline_score: float | None = None
    test_rows: int | None = None

    @property
    def valid(self) -> bool:
        """True when the score is a real number (a NaN score never wins a search)."""
        return not math.isnan(self.score)

    def beats_baseline(self) -> bool | None:
        """Whether the score is strictly above the baseline's; None when either is unknown."""
        if self.baseline_score is None or math.isnan(self.baseline_score) or not self.valid:
            return None
        return self.score > self.baseline_score


def holds_lines(frame: DataFrame) -> bool:
    """Whether ``frame`` still holds input lines (a ``value`` column) rather than an app's parsed rows.

    Apps with ``parse_input`` call it on what they receive, so that code calling ``build_model`` or ``evaluate``
    directly with lines (tests, benchmarks) keeps working.
    """
    return "value" in frame.columns


def as_evaluation(result: float | Evaluation) -> Evaluation:
    """``evaluate``'s result as an :class:`Evaluation` (a bare float becomes a score with no metrics)."""
    if isinstance(result, Evaluation):
        return result
    return Evaluation(score=float(result))


def random_split(new_df: DataFrame, test_fraction: float, seed: int) -> tuple[DataFrame, DataFrame]:
    """Oryx 2's default split: each new line goes to test with probability ``test_fraction``."""
    train, test = new_df.randomSplit([1.0 - test_fraction, test_fraction], seed=seed)
    return train, test


class MLUpdate:
    """A convenient base for ``MLApp`` implementations: the two optional methods with their defaults.

    Subclasses implement ``hyperparameter_values``, ``build_model`` and ``evaluate`` (see :class:`MLApp`).
    """

    def __init__(self, config: OryxConfig | None = None) -> None:
        self.config = config

    def split_new_data(self, new_df: DataFrame, test_fraction: float, seed: int) -> tuple[DataFrame, DataFrame]:
        return random_split(new_df, test_fraction, seed)

    def publish_additional_model_data(
        self,
        spark: SparkSession,
        pmml: Element,
        new_df: DataFrame,
        past_df: DataFrame | None,
        model_dir: str,
        producer: TopicProducer,
    ) -> None:
        """Nothing extra by default; ALS overrides this to send its ``UP`` vectors after the ``MODEL``."""
        return None
