"""The k-means keys' rules, registered with ``oryx_core.config_rules`` (found there by this module's name): a bad
``oryx.kmeans.*`` value stops every layer at start with the key named."""

from __future__ import annotations

from oryx_core.config_rules import ChoiceRule, ConfigRule
from oryx_core.config_values import ConfigError, OryxConfig

K_KEY = "oryx.kmeans.hyperparams.k"


def check_fixed_k(config: OryxConfig) -> None:
    """Only a fixed k is checked here; ranges and choices are the hyperparameter search's to check."""
    value = config.get_value(K_KEY)
    if isinstance(value, int | float | str) and not isinstance(value, bool) and config.get_float(K_KEY) <= 1:
        raise ConfigError(K_KEY, f"must be > 1 (at least two clusters), got {value!r}")


RULES: tuple[ConfigRule, ...] = (
    ChoiceRule("oryx.kmeans.initialization-strategy", frozenset({"k-means||", "random"})),
    ChoiceRule("oryx.kmeans.evaluation-strategy", frozenset({"DAVIES_BOULDIN", "DUNN", "SILHOUETTE", "SSE"})),
    check_fixed_k,
)
