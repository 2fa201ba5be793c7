"""The linear app's key rules (named by its registration): a bad ridge penalty stops every layer at start."""

from __future__ import annotations

import math

from oryx_core.config_rules import ConfigRule
from oryx_core.config_values import ConfigError, OryxConfig
from oryx_core.ml.hyperparams import ContinuousRange, DiscreteRange, Fixed, Unordered, from_oryx_config

LAMBDA_KEY = "oryx.linear.hyperparams.lambda"


def _candidates(config: OryxConfig) -> list[object]:
    """The values whose sign decides validity: a fixed value, a range's minimum, or every listed choice."""
    values = from_oryx_config(config, LAMBDA_KEY)
    if isinstance(values, ContinuousRange | DiscreteRange):
        return [values.lo]
    if isinstance(values, Fixed):
        return [values.value]
    return list(values.values) if isinstance(values, Unordered) else []


def check_lambda(config: OryxConfig) -> None:
    """Every penalty the search may try must be a finite number >= 0 (0 is plain least squares)."""
    for value in _candidates(config):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise ConfigError(LAMBDA_KEY, f"must be a finite number >= 0 (0 is plain least squares), got {value!r}")


RULES: tuple[ConfigRule, ...] = (check_lambda,)
