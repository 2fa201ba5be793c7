"""``ALSUpdate``: Oryx 2's ALS batch app on the ML tier (spec 4.1).

The lines are parsed once per generation (``parse_input``; the batch layer caches the rows for the split, every
candidate, the refit and the publication). Per candidate: turn them into one strength per (user, item) with decay,
aggregation and ``logStrength`` (``interactions``), number the IDs and run Spark MLlib's ALS (``factors``),
write ``X/`` and ``Y/`` into the candidate folder and return the skeleton PMML naming them. Explicit ratings
get a global mean and regularised user and item biases first (``biases``), carried in two extra vector
coordinates (``oryx_core.apps.als.layout``). Candidates are scored on a time-based split (``split``: each
user's latest lines by default) by mean per-user AUC or -RMSE, with top-10 figures and baselines
(``evaluation``). After the chosen model is published, every vector follows as an ``UP`` message
(``publication``).

Configuration: ``oryx.als.{iterations, implicit, logStrength, biases, no-known-items, decay.factor,
decay.zero-threshold, test-split, bounds.*}`` (``bounds``: which IDs get a vector, ``oryx_core.apps.als.bounds``),
and the searched hyperparameters ``oryx.als.hyperparams.{features, lambda}`` plus ``alpha`` (implicit),
``bias-lambda`` (explicit with biases) and ``epsilon`` (``logStrength``).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pyspark.sql import functions as F

from oryx_assets.apps.als.biases import (
    DEFAULT_BIAS_LAMBDA,
    BiasModel,
    biased_features,
    fit_biases,
    rating_summary,
    residual_ratings,
)
from oryx_assets.apps.als.evaluation import IMPLICIT_METRICS, explicit_evaluation, implicit_evaluation
from oryx_assets.apps.als.factors import (
    ALSParams,
    id_indices,
    indexed_ratings,
    read_features,
    train_als,
    write_features,
)
from oryx_assets.apps.als.interactions import (
    StrengthRules,
    admitted_interactions,
    as_interactions,
    good_interactions,
    parse_interactions,
    strengths,
)
from oryx_assets.apps.als.publication import send_vectors
from oryx_assets.apps.als.split import SPLITS
from oryx_assets.lambda_.storage import child_uri
from oryx_core.api.batch import Evaluation, MLUpdate, holds_lines
from oryx_core.apps.als.bounds import IDBounds
from oryx_core.apps.als.layout import BIAS_COORDINATES
from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml, read_als_pmml
from oryx_core.config import ConfigError, OryxConfig, load_config
from oryx_core.ml.hyperparams import HyperParamValues, from_oryx_config

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from pyspark.sql import DataFrame, SparkSession

    from oryx_core.topics.producer import TopicProducer

log = logging.getLogger(__name__)

HYPERPARAMS = "oryx.als.hyperparams"
SEED = 0
"""Fixed, so a re-run of a generation trains the same factors and candidates differ only by hyperparameters."""
DEFAULT_EPSILON = 1e-5


class ALSUpdate(MLUpdate):
    """Oryx 2's ``com.cloudera.oryx.app.batch.mllib.als.ALSUpdate``."""

    def __init__(self, config: OryxConfig | None = None) -> None:
        config = config if config is not None else load_config()
        super().__init__(config)
        self.iterations = config.get_int("oryx.als.iterations")
        self.implicit = config.get_bool("oryx.als.implicit")
        self.log_strength = config.get_bool("oryx.als.logStrength")
        self.biased = not self.implicit and config.get_bool("oryx.als.biases")
        self.no_known_items = config.get_bool("oryx.als.no-known-items")
        self.decay_factor = config.get_float("oryx.als.decay.factor")
        self.zero_threshold = config.get_float("oryx.als.decay.zero-threshold")
        self.test_split = config.get_string("oryx.als.test-split")
        self.implicit_metric = config.get_string("oryx.als.implicit-metric")
        self.bounds = IDBounds.from_config(config)
        if self.implicit_metric not in IMPLICIT_METRICS:
            choices = ", ".join(IMPLICIT_METRICS)
            raise ConfigError("oryx.als.implicit-metric", f"must be one of {choices}, got {self.implicit_metric!r}")
        if self.test_split not in SPLITS:
            raise ConfigError("oryx.als.test-split", f"must be one of {', '.join(SPLITS)}, got {self.test_split!r}")
        if self.iterations < 1:
            raise ConfigError("oryx.als.iterations", f"must be at least 1, got {self.iterations}")
        if not 0.0 < self.decay_factor <= 1.0:
            raise ConfigError("oryx.als.decay.factor", f"must be in (0, 1], got {self.decay_factor}")
        if not self.zero_threshold >= 0.0:
            raise ConfigError("oryx.als.decay.zero-threshold", f"must be >= 0, got {self.zero_threshold}")

    def hyperparameter_values(self, config: OryxConfig) -> Mapping[str, HyperParamValues]:
        """``features`` and ``lambda``, plus what the model uses: ``alpha`` (implicit), ``bias-lambda`` (biases),
        ``epsilon`` (``logStrength``); a key the model ignores is not searched."""
        names = ["features", "lambda"]
        names += ["alpha"] if self.implicit else []
        names += ["bias-lambda"] if self.biased else []
        names += ["epsilon"] if self.log_strength else []
        return {name: from_oryx_config(config, f"{HYPERPARAMS}.{name}") for name in names}

    def parse_input(self, spark: SparkSession, lines: DataFrame) -> DataFrame:
        """Every line parsed once per generation (``interactions.parse_interactions``), bad ones kept with their
        reason so each use can count and log them."""
        return parse_interactions(lines)

    def _admitted(self, spark: SparkSession, interactions: DataFrame, now_ms: int | None = None) -> DataFrame:
        """The interactions of the IDs ``oryx.als.bounds`` lets hold a vector (all of them by default)."""
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        return admitted_interactions(spark, interactions, self.bounds, now_ms)

    def _rules(self, hyperparams: Mapping[str, Any]) -> StrengthRules:
        return StrengthRules(
            implicit=self.implicit,
            decay_factor=self.decay_factor,
            zero_threshold=self.zero_threshold,
            log_strength=self.log_strength,
            epsilon=float(hyperparams.get("epsilon", DEFAULT_EPSILON)),
        )

    def _params(self, hyperparams: Mapping[str, Any]) -> ALSParams:
        params = ALSParams(
            features=int(hyperparams["features"]),
            lambda_=float(hyperparams["lambda"]),
            alpha=float(hyperparams.get("alpha", 1.0)),
            implicit=self.implicit,
            iterations=self.iterations,
            seed=SEED,
        )
        if params.features < 1:
            raise ConfigError(f"{HYPERPARAMS}.features", f"must be at least 1, got {params.features}")
        return params

    def build_model(
        self, spark: SparkSession, train_df: DataFrame, hyperparams: dict[str, Any], candidate_dir: str
    ) -> Element | None:
        """Trains ALS, writes ``X/`` and ``Y/`` under ``candidate_dir``; None when no pair has a strength."""
        params, rules = self._params(hyperparams), self._rules(hyperparams)
        cached: list[DataFrame] = []

        def cache(frame: DataFrame) -> DataFrame:
            cached.append(frame.cache())
            return frame

        try:
            now_ms = int(time.time() * 1000)
            interactions = self._admitted(spark, good_interactions(as_interactions(train_df), "training data"), now_ms)
            pair_strengths = cache(strengths(spark, interactions, rules, now_ms))
            users = cache(id_indices(spark, pair_strengths.selectExpr("user AS id")))
            items = cache(id_indices(spark, pair_strengths.selectExpr("item AS id")))
            if users.isEmpty():
                log.warning("ALS: no (user, item) pair has a strength in the training data: no model")
                return None
            summary = None if self.implicit else rating_summary(spark, pair_strengths)
            if self.biased:
                bias_model = fit_biases(spark, pair_strengths, _bias_lambda(hyperparams))
                cached += [bias_model.users, bias_model.items]
                ratings_source = cache(residual_ratings(spark, pair_strengths, bias_model))
            else:
                bias_model, ratings_source = None, pair_strengths
            ratings = cache(indexed_ratings(spark, ratings_source, users, items))
            _ensure_checkpoint_dir(spark, candidate_dir)
            model = train_als(spark, ratings, params)
            x, y = _vectors(spark, model.userFactors, model.itemFactors, users, items, bias_model)
            write_features(spark, x, users, child_uri(candidate_dir, "X"))
            write_features(spark, y, items, child_uri(candidate_dir, "Y"))
            description = ALSModelDescription(
                features=params.features + (BIAS_COORDINATES if self.biased else 0),
                implicit=params.implicit,
                lambda_=params.lambda_,
                alpha=params.alpha if params.implicit else None,
                log_strength=rules.log_strength,
                epsilon=rules.epsilon if rules.log_strength else None,
                x_ids=_ids_in_order(users),
                y_ids=_ids_in_order(items),
                biased=self.biased,
                global_mean=summary.mean if summary is not None and self.biased else None,
                rating_range=(summary.low, summary.high) if summary is not None else None,
            )
        finally:
            for frame in cached:
                frame.unpersist()
        return build_als_pmml(description)

    def evaluate(
        self, spark: SparkSession, model_pmml: Element, candidate_dir: str, test_df: DataFrame, train_df: DataFrame
    ) -> Evaluation:
        """Mean per-user AUC (implicit) or -RMSE (explicit) on the test lines' aggregated strengths, with top-10
        figures or MAE, and the baselines (``evaluation``) measured on the same pairs.

        Test strengths are aggregated and transformed like training ones but not decayed, as in Oryx 2.
        """
        model = read_als_pmml(model_pmml)
        rules = StrengthRules(
            implicit=model.implicit,
            log_strength=model.log_strength,
            epsilon=model.epsilon if model.epsilon is not None else DEFAULT_EPSILON,
        )
        x = read_features(spark, candidate_dir, model.x_dir).cache()
        y = read_features(spark, candidate_dir, model.y_dir).cache()
        try:
            test = strengths(spark, good_interactions(as_interactions(test_df), "test data"), rules)
            training = _TrainingStrengths(spark, good_interactions(as_interactions(train_df), "training data"), rules)
            evaluation = self._evaluate(spark, model, test, training, x, y, self.implicit_metric)
        finally:
            for frame in (x, y):
                frame.unpersist()
        log.info("ALS candidate %s: %s", candidate_dir, evaluation)
        return evaluation

    @staticmethod
    def _evaluate(
        spark: SparkSession,
        model: ALSModelDescription,
        test: DataFrame,
        training: _TrainingStrengths,
        x: DataFrame,
        y: DataFrame,
        implicit_metric: str,
    ) -> Evaluation:
        if model.implicit:
            with training as train:
                return implicit_evaluation(spark, test, train, x, y, SEED, implicit_metric)
        layout = model.layout
        if layout.biased:  # the bias baseline is this model's own biases, without its factors: no training data
            k = layout.factors
            user_biases = x.select(
                F.col("id").alias("user"), (F.element_at("features", k + 1) - layout.global_mean).alias("bias")
            )
            item_biases = y.select(F.col("id").alias("item"), F.element_at("features", k + 2).alias("bias"))
            return explicit_evaluation(spark, test, x, y, layout, user_biases, item_biases)
        with training as train:
            baseline = fit_biases(spark, train, DEFAULT_BIAS_LAMBDA)
            try:
                layout = replace(layout, global_mean=baseline.summary.mean)
                return explicit_evaluation(spark, test, x, y, layout, baseline.users, baseline.items)
            finally:
                baseline.unpersist()

    def split_new_data(self, new_df: DataFrame, test_fraction: float, seed: int) -> tuple[DataFrame, DataFrame]:
        """Time-based: each user's latest lines, or Oryx 2's latest part of the time range (see ``split``)."""
        return SPLITS[self.test_split](new_df, test_fraction, seed)

    def publish_additional_model_data(
        self,
        spark: SparkSession,
        pmml: Element,
        new_df: DataFrame,
        past_df: DataFrame | None,
        model_dir: str,
        producer: TopicProducer,
    ) -> None:
        """Every item vector, then every user vector with its known items (unless ``no-known-items``)."""
        model = read_als_pmml(pmml)
        rows = as_interactions(new_df)
        if past_df is not None:
            rows = rows.unionByName(as_interactions(past_df))
        # Rows parsed by the batch layer are cached already; lines parsed here are cached while in use.
        parsing_here = holds_lines(new_df)
        parsed = None if self.no_known_items else rows.cache() if parsing_here else rows
        try:
            # Known items of the IDs the bounds keep only: an item without a vector excludes nothing.
            interactions = None if parsed is None else self._admitted(spark, good_interactions(parsed, "known items"))
            items, users = send_vectors(spark, model_dir, model, interactions, producer)
        finally:
            if parsed is not None and parsing_here:
                parsed.unpersist()
        log.info("ALS: sent %d item and %d user vectors as UP messages", items, users)


class _TrainingStrengths:
    """The training strengths, aggregated only when an evaluation needs them (``with ... as train``) and
    released after: a biased explicit model is scored without its training data."""

    def __init__(self, spark: SparkSession, interactions: DataFrame, rules: StrengthRules) -> None:
        self._spark, self._interactions, self._rules = spark, interactions, rules
        self._cached: list[DataFrame] = []

    def __enter__(self) -> DataFrame:
        train = strengths(self._spark, self._interactions, self._rules).cache()
        self._cached = [train]
        return train

    def __exit__(self, *_: object) -> None:
        for frame in self._cached:
            frame.unpersist()
        self._cached = []


def _bias_lambda(hyperparams: Mapping[str, Any]) -> float:
    value = float(hyperparams.get("bias-lambda", DEFAULT_BIAS_LAMBDA))
    if not (value >= 0.0 and math.isfinite(value)):
        raise ConfigError(f"{HYPERPARAMS}.bias-lambda", f"must be a finite number >= 0, got {value}")
    return value


def _vectors(
    spark: SparkSession,
    user_factors: DataFrame,
    item_factors: DataFrame,
    users: DataFrame,
    items: DataFrame,
    biases: BiasModel | None,
) -> tuple[DataFrame, DataFrame]:
    """ALS's factors as the published vectors: unchanged, or extended with the biases."""
    if biases is None:
        return user_factors, item_factors
    mu = biases.summary.mean
    return (
        biased_features(spark, user_factors, users, biases.users, mu, users=True),
        biased_features(spark, item_factors, items, biases.items, mu, users=False),
    )


def _ids_in_order(ids: DataFrame) -> tuple[str, ...]:
    """The IDs by index, to the driver: the PMML lists them all (XIDs / YIDs), as Oryx 2's did.

    The numbering is one window over all IDs in one partition already (``id_indices.sql``), so sorting that one
    partition costs two Spark jobs; a global ``orderBy`` cost a sampling job plus one job per partition (8).
    """
    in_order = ids.coalesce(1).sortWithinPartitions("idx").select("id")
    return tuple(row["id"] for row in in_order.toLocalIterator())


def _ensure_checkpoint_dir(spark: SparkSession, candidate_dir: str) -> None:
    """ALS checkpoints every ``CHECKPOINT_INTERVAL`` iterations only when Spark has a checkpoint dir.

    The batch layer sets ``<model-dir>/.checkpoint`` for the whole session (Oryx 2's place). The dir is one
    setting per SparkContext, shared by candidates built in parallel, so a per-candidate dir would race;
    only when nothing set one (a bare session) is it put under this candidate's folder.
    """
    if spark.sparkContext.getCheckpointDir() is None:
        spark.sparkContext.setCheckpointDir(child_uri(candidate_dir, ".checkpoint"))
