"""The rules a configuration must meet, checked when it is loaded: a layer fails at start, naming the key, rather
than hours later in a generation that reads a bad value.

The lambda and ML tiers' keys (``oryx.batch|speed|serving|ml|update-topic.*``) are checked here. Each app owns its
own keys: its registration (``oryx_core.app_registry``) names a module with a ``RULES`` tuple, found when
validation first runs, so a new app adds rules without touching this module.
"""

from __future__ import annotations

import functools
import importlib
import math
from collections.abc import Callable
from dataclasses import dataclass

from oryx_core.app_registry import registered_apps
from oryx_core.config_values import ConfigError, OryxConfig

__all__ = [
    "ChoiceRule",
    "ConfigRule",
    "NumericRule",
    "app_rules",
    "at_least",
    "fraction",
    "max_age",
    "port",
    "read_finite_float",
    "unit_interval",
    "validate",
]

ConfigRule = Callable[[OryxConfig], None]
"""A check of one or more keys: returns when they are valid, raises ``ConfigError`` naming the key otherwise."""


def read_int(config: OryxConfig, key: str) -> float:
    return config.get_int(key)


def read_finite_float(config: OryxConfig, key: str) -> float:
    value = config.get_float(key)
    if not math.isfinite(value):
        raise ConfigError(key, f"must be a finite number, got {value!r}")
    return value


@dataclass(frozen=True)
class NumericRule:
    """A number that must satisfy ``ok``; ``valid`` says what would be valid, for the error message."""

    key: str
    read: Callable[[OryxConfig, str], float]
    ok: Callable[[float], bool]
    valid: str

    def __call__(self, config: OryxConfig) -> None:
        if not self.ok(self.read(config, self.key)):
            raise ConfigError(self.key, f"must be {self.valid}, got {config.get_value(self.key)!r}")


@dataclass(frozen=True)
class ChoiceRule:
    """A string that must be one of ``choices`` (exact case, as Oryx 2 compares them)."""

    key: str
    choices: frozenset[str]

    def __call__(self, config: OryxConfig) -> None:
        value = config.get_string(self.key)
        if value not in self.choices:
            raise ConfigError(self.key, f"must be one of {', '.join(sorted(self.choices))}; got {value!r}")


def fraction(key: str) -> NumericRule:
    return NumericRule(key, read_finite_float, lambda v: 0.0 <= v <= 1.0, "a number in [0, 1]")


def unit_interval(key: str) -> NumericRule:
    return NumericRule(key, read_finite_float, lambda v: 0.0 < v <= 1.0, "a number in (0, 1]")


def at_least(key: str, low: int) -> NumericRule:
    return NumericRule(key, read_int, lambda v: v >= low, f"an integer >= {low}")


def max_age(key: str) -> NumericRule:
    return NumericRule(key, read_int, lambda v: v >= 0 or v == -1, "an integer >= 0, or -1 to keep forever")


def port(key: str) -> NumericRule:
    return NumericRule(key, read_int, lambda v: 0 <= v <= 65535, "a port number in 0..65535")


_MAX_KAFKA_MESSAGE = 67108864


def _check_ml_eval(config: OryxConfig) -> None:
    config.get_bool("oryx.ml.eval.refit")
    key = "oryx.ml.eval.log-scale-hyperparams"
    names = config.get_list(key)
    if not all(isinstance(name, str) and name.strip() for name in names):
        raise ConfigError(key, f'must be a list of hyperparameter names such as ["lambda", "alpha"], got {names!r}')


LAMBDA_AND_ML_RULES: tuple[ConfigRule, ...] = (
    fraction("oryx.ml.eval.test-fraction"),
    fraction("oryx.speed.min-model-load-fraction"),
    fraction("oryx.serving.min-model-load-fraction"),
    NumericRule("oryx.batch.streaming.generation-interval-sec", read_int, lambda v: v > 0, "an integer > 0 (seconds)"),
    NumericRule(
        "oryx.speed.streaming.generation-interval-sec", read_finite_float, lambda v: v > 0, "a number > 0 (seconds)"
    ),
    max_age("oryx.batch.storage.max-age-data-hours"),
    max_age("oryx.batch.storage.max-age-model-hours"),
    at_least("oryx.ml.eval.candidates", 1),
    at_least("oryx.ml.eval.parallelism", 1),
    at_least("oryx.ml.eval.min-test-rows", 0),
    port("oryx.serving.api.port"),
    port("oryx.serving.api.secure-port"),
    at_least("oryx.serving.api.workers", 1),
    at_least("oryx.serving.api.threads", 1),
    at_least("oryx.serving.api.max-request-bytes", 1),
    at_least("oryx.serving.api.write-timeout-sec", 1),
    NumericRule(
        "oryx.update-topic.message.max-size",
        read_int,
        lambda v: 1 <= v <= _MAX_KAFKA_MESSAGE,
        f"an integer in 1..{_MAX_KAFKA_MESSAGE} (Kafka cannot carry larger messages)",
    ),
    ChoiceRule("oryx.ml.eval.hyperparam-search", frozenset({"random", "grid"})),
    ChoiceRule("oryx.ml.eval.baseline-check", frozenset({"warn", "block", "off"})),
    ChoiceRule("oryx.ml.eval.regression-check", frozenset({"warn", "block", "off"})),
    NumericRule("oryx.ml.eval.regression-margin", read_finite_float, lambda v: v >= 0, "a number >= 0"),
    _check_ml_eval,
)
"""The keys of the generic tiers, which every app shares."""


@functools.cache
def app_rules() -> tuple[ConfigRule, ...]:
    """Every registered app's ``RULES``, apps in name order; found once per process from the registry, so that
    this module names no app."""
    rules: list[ConfigRule] = []
    for app in registered_apps().values():
        if app.config_rules:
            rules.extend(importlib.import_module(app.config_rules).RULES)
    return tuple(rules)


def validate(config: OryxConfig) -> None:
    """Checks every rule, the generic tiers' first; the first broken one raises ``ConfigError`` naming its key."""
    for rule in (*LAMBDA_AND_ML_RULES, *app_rules()):
        rule(config)
