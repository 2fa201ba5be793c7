"""``RDFUpdate``: one Spark MLlib random forest per candidate, classification or regression.

Each candidate is trained like this:

1. The input lines are parsed in Spark and the usable ones summarised (``examples``); the arity of each
   categorical predictor is passed to MLlib as ML attribute metadata on the feature vector.
2. Numeric predictors get their split candidates (``oryx.rdf.split-candidates``, see ``split_candidates``): by
   default our own cuts (quantiles plus thresholds of a tree of the target), MLlib then training on bin indices;
   ``"quantile"`` leaves MLlib to its own sampled quantiles, as Oryx 2 did.
3. ``pyspark.ml`` ``RandomForestClassifier`` / ``RandomForestRegressor`` trains with ``numTrees`` =
   ``oryx.rdf.num-trees`` (with one tree MLlib neither bootstraps nor subsamples features: a plain decision
   tree), a fixed seed, and the hyperparameters ``max-split-candidates`` (the candidates per numeric feature;
   MLlib's ``maxBins`` is raised to the largest categorical arity, which MLlib requires, and with our cuts as
   ``split_candidates.mllib_max_bins`` says), ``max-depth``, ``impurity`` (regression always uses ``variance``),
   ``min-node-size`` (``minInstancesPerNode``), ``min-info-gain-nats`` (``minInfoGain``) and
   ``feature-subset-strategy`` (see :func:`mllib_feature_subset`).
4. The trees are read from MLlib's saved model (``mllib_forest``), bin thresholds translated back to values.
   Feature importances are MLlib's ``featureImportances`` (impurity-gain based, normalised to sum 1) rather
   than Oryx 2's share of split traversals.

``evaluate`` scores the PMML with the serving layer's code next to a majority or mean baseline (``evaluation``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from oryx_assets.apps.rdf.evaluation import evaluate_forest, training_target
from oryx_assets.apps.rdf.examples import FEATURES, LABEL, parse_examples, summarise, usable, vectors
from oryx_assets.apps.rdf.mllib_forest import NO_CUTS, forest_from_saved_model
from oryx_assets.apps.rdf.split_candidates import QUANTILE_AND_TARGET, RULES, Cuts, find_cuts, mllib_max_bins
from oryx_core.api.batch import Evaluation, MLUpdate
from oryx_core.apps.rdf.encoding import Encodings
from oryx_core.apps.rdf.pmml import forest_from_pmml, forest_to_pmml
from oryx_core.apps.rdf.trees import Forest
from oryx_core.config import ConfigError, OryxConfig
from oryx_core.input.schema import InputSchema
from oryx_core.ml.hyperparams import Fixed, HyperParamValues, from_oryx_config

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger(__name__)

SEED = 1234
"""Fixed so that a candidate's score depends on its hyperparameters, not on the bootstrap draw."""
SPARK_MODEL = "spark-model"
SPLIT_CANDIDATES_KEY = "oryx.rdf.split-candidates"
MLLIB_SUBSET_STRATEGIES = ("all", "sqrt", "log2", "onethird")
HYPERPARAMS = (
    "max-split-candidates",
    "max-depth",
    "impurity",
    "min-node-size",
    "min-info-gain-nats",
    "feature-subset-strategy",
)


def _hyperparam_key(name: str) -> str:
    return f"oryx.rdf.hyperparams.{name}"


def mllib_feature_subset(value: Any, classification: bool, num_trees: int) -> str:
    """MLlib's ``featureSubsetStrategy`` for ``oryx.rdf.hyperparams.feature-subset-strategy``.

    Our ``"auto"`` is scikit-learn's per-task default, not MLlib's: ``"sqrt"`` of the features per split for
    classification, ``"all"`` for regression (MLlib's ``auto`` takes a third for regression, which loses to
    every feature on data where few features carry the target). A single tree always uses every feature.
    MLlib's names (``all``, ``sqrt``, ``log2``, ``onethird``), a fraction in (0, 1] and a whole number of
    features are passed on.
    """
    key = _hyperparam_key("feature-subset-strategy")
    text = str(value).strip().lower()
    if text == "auto":
        return "sqrt" if classification and num_trees > 1 else "all"
    if text in MLLIB_SUBSET_STRATEGIES:
        return text
    valid = f"must be auto, {', '.join(MLLIB_SUBSET_STRATEGIES)}, a fraction in (0, 1] or a number of features"
    try:
        number = float(text)
    except ValueError:
        raise ConfigError(key, f"{valid}, not {value!r}") from None
    whole = math.isfinite(number) and not isinstance(value, float) and "." not in text and number == int(number)
    if whole and number >= 1:
        return str(int(number))
    if number == 1.0:
        return "all"
    if 1e-9 <= number < 1.0:
        return f"{number:.12f}".rstrip("0")  # MLlib parses "0.25", never an exponent such as "1e-05"
    raise ConfigError(key, f"{valid}, not {value!r}")


@dataclass(frozen=True)
class TrainedForest:
    """One candidate's forest, with what it was trained on: encodings, cuts, MLlib's feature subset and model."""

    forest: Forest
    encodings: Encodings
    cuts: Cuts
    feature_subset: str
    mllib_model: Any


class RDFUpdate(MLUpdate):
    """One random forest per candidate; see the module docstring."""

    def __init__(self, config: OryxConfig | None = None) -> None:
        if config is None:
            raise ValueError("RDFUpdate needs the Oryx configuration (oryx.input-schema and oryx.rdf)")
        super().__init__(config)
        self.schema = InputSchema.from_config(config)
        self.num_trees = config.get_int("oryx.rdf.num-trees")
        if self.num_trees < 1:
            raise ConfigError("oryx.rdf.num-trees", f"must be at least 1, got {self.num_trees}")
        self.split_candidates = config.get_string(SPLIT_CANDIDATES_KEY)
        if self.split_candidates not in RULES:
            raise ConfigError(SPLIT_CANDIDATES_KEY, f"must be one of {list(RULES)}, not {self.split_candidates!r}")

    # ---- MLUpdate --------------------------------------------------------------------------------------

    def hyperparameter_values(self, config: OryxConfig) -> Mapping[str, HyperParamValues]:
        values = {name: from_oryx_config(config, _hyperparam_key(name)) for name in HYPERPARAMS}
        if not self.schema.is_classification:
            values["impurity"] = Fixed("variance")  # the only impurity MLlib has for regression
        return values

    def build_model(
        self, spark: SparkSession, train_df: DataFrame, hyperparams: dict[str, Any], candidate_dir: str
    ) -> Element | None:
        trained = self.train_forest(spark, train_df, hyperparams, candidate_dir.rstrip("/") + "/" + SPARK_MODEL)
        if trained is None:
            log.warning("RDF candidate %s: no usable training lines", candidate_dir)
            return None
        extensions = {
            "maxDepth": int(hyperparams["max-depth"]),
            "maxSplitCandidates": int(hyperparams["max-split-candidates"]),
            "impurity": self._impurity(hyperparams),
            "minNodeSize": int(hyperparams["min-node-size"]),
            "minInfoGainNats": float(hyperparams["min-info-gain-nats"]),
            "featureSubsetStrategy": trained.feature_subset,
            "splitCandidates": self.split_candidates,
        }
        return forest_to_pmml(trained.forest, trained.encodings, extensions)

    def train_forest(
        self, spark: SparkSession, train_df: DataFrame, hyperparams: Mapping[str, Any], model_path: str
    ) -> TrainedForest | None:
        """MLlib's forest of the usable lines of ``train_df``, saved at ``model_path``, and ours read from it;
        None when no line is usable."""
        candidates = int(hyperparams["max-split-candidates"])
        if candidates < 2:
            raise ConfigError(_hyperparam_key("max-split-candidates"), f"must be at least 2, got {candidates}")
        subset = mllib_feature_subset(
            hyperparams["feature-subset-strategy"], self.schema.is_classification, self.num_trees
        )
        parsed = parse_examples(train_df, self.schema).cache()
        examples = None
        try:
            rows, categories = summarise(parsed, self.schema)
            if not rows:
                return None
            encodings = Encodings(self.schema, categories)
            good = usable(parsed)
            cuts = NO_CUTS
            if self.split_candidates == QUANTILE_AND_TARGET:
                cuts = find_cuts(good, self.schema, candidates, self._impurity(hyperparams), rows, SEED)
            examples = vectors(good, encodings, cuts).cache()
            max_bins = self._max_bins(candidates, encodings, cuts, rows)
            model = self._estimator(hyperparams, encodings, subset, max_bins).fit(examples)
            model.write().overwrite().save(model_path)
            importances = list(model.featureImportances.toArray())
            classification = self.schema.is_classification
            forest = forest_from_saved_model(spark, model_path, encodings, importances, classification, cuts)
        finally:
            if examples is not None:
                examples.unpersist()
            parsed.unpersist()
        return TrainedForest(forest, encodings, cuts, subset, model)

    def evaluate(
        self, spark: SparkSession, model_pmml: Element, candidate_dir: str, test_df: DataFrame, train_df: DataFrame
    ) -> Evaluation:
        forest, encodings = forest_from_pmml(model_pmml, self.schema)
        return evaluate_forest(test_df, forest, encodings, training_target(train_df, encodings))

    # ---- helpers ---------------------------------------------------------------------------------------

    def _impurity(self, hyperparams: Mapping[str, Any]) -> str:
        impurity = str(hyperparams["impurity"])
        if not self.schema.is_classification:
            return "variance"
        if impurity not in ("gini", "entropy"):
            raise ConfigError(
                _hyperparam_key("impurity"), f"must be gini or entropy for classification, not {impurity!r}"
            )
        return impurity

    def _max_bins(self, candidates: int, encodings: Encodings, cuts: Cuts, rows: int) -> int:
        """MLlib's ``maxBins``: the candidates (MLlib's own quantiles), or room for every one of our bins and a
        split-finding sample that keeps them all; never below the largest categorical arity (MLlib requires it)."""
        arity = max((len(encodings.values[c]) for c in self.schema.categorical_predictors), default=0)
        if cuts.by_feature:
            return mllib_max_bins(rows, cuts.most_bins, arity)
        if arity > candidates:
            log.info(
                "RDF: maxBins raised from %d to %d, the largest categorical arity (MLlib requires it)",
                candidates,
                arity,
            )
        return max(candidates, arity)

    def _estimator(self, hyperparams: Mapping[str, Any], encodings: Encodings, subset: str, max_bins: int) -> Any:
        from pyspark.ml.classification import RandomForestClassifier
        from pyspark.ml.regression import RandomForestRegressor

        params = {
            "numTrees": self.num_trees,
            "maxDepth": int(hyperparams["max-depth"]),
            "maxBins": max_bins,
            "minInstancesPerNode": max(1, int(hyperparams["min-node-size"])),
            "minInfoGain": max(0.0, float(hyperparams["min-info-gain-nats"])),
            "impurity": self._impurity(hyperparams),
            "featureSubsetStrategy": subset,
            "seed": SEED,
            "labelCol": LABEL,
            "featuresCol": FEATURES,
        }
        if self.schema.is_classification:
            return RandomForestClassifier(**params)
        return RandomForestRegressor(**params)
