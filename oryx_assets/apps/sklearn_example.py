"""A scikit-learn decision tree over the input schema's columns: the smallest app of the scikit-learn route.

It reads the same keys as Oryx 2's RDF app, so an RDF configuration runs unchanged: the columns and target
from ``oryx.input-schema.*``, and the searched hyperparameters ``oryx.rdf.hyperparams.max-depth`` and
``oryx.rdf.hyperparams.impurity`` (``gini`` or ``entropy``). A categorical target trains a classifier, a
numeric one a regressor. Name it with
``oryx.batch.update-class = "oryx_assets.apps.sklearn_example.DecisionTreeUpdate"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sklearn.base import BaseEstimator
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from oryx_assets.ml.sklearn_app import SklearnMLApp
from oryx_core.config import OryxConfig
from oryx_core.ml.hyperparams import HyperParamValues, from_oryx_config

SEED = 0
"""Fixed so that a candidate's score depends on its hyperparameters, not on the draw of a tie-breaking split."""


class DecisionTreeUpdate(SklearnMLApp):
    """One decision tree per candidate, searching its depth and impurity."""

    def hyperparameter_values(self, config: OryxConfig) -> Mapping[str, HyperParamValues]:
        return {
            "max_depth": from_oryx_config(config, "oryx.rdf.hyperparams.max-depth"),
            "impurity": from_oryx_config(config, "oryx.rdf.hyperparams.impurity"),
        }

    def make_estimator(self, hyperparams: dict[str, Any]) -> BaseEstimator:
        depth = int(hyperparams["max_depth"])
        if self.is_classification:
            return DecisionTreeClassifier(max_depth=depth, criterion=str(hyperparams["impurity"]), random_state=SEED)
        # Regression trees split on variance whatever the configured (classification) impurity says.
        return DecisionTreeRegressor(max_depth=depth, random_state=SEED)
