"""Which hyperparameter ranges are searched on a log scale (``oryx.ml.eval.log-scale-hyperparams``).

Scale parameters (regularisation weights, ALS's confidence ``alpha``, thresholds such as ``min-info-gain-nats``)
matter by their order of magnitude, so a continuous range of one is searched log-uniformly: random draws are
spread evenly over its decades and grid values are spaced geometrically (see ``ContinuousRange.log``). Oryx 2
searched every range linearly.

The key lists hyperparameter names, matched against the last segment of the name an app gives a
hyperparameter (``lambda`` matches ``oryx.als.hyperparams.lambda``; ``_`` and ``-`` are the same, so a
scikit-learn style ``min_info_gain_nats`` matches ``min-info-gain-nats`` too). Removing a name from the list
opts that hyperparameter out. Only continuous ranges with a minimum > 0 can be log-scaled: integer ranges,
sets and fixed values stay as they are, and a range reaching 0 or below stays linear with a warning.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from oryx_core.config import OryxConfig
from oryx_core.ml.hyperparams import ContinuousRange, HyperParamValues, from_config

__all__ = ["LOG_SCALE_KEY", "hyperparam_keys", "log_scale_names", "log_scaled"]

LOG_SCALE_KEY = "oryx.ml.eval.log-scale-hyperparams"


def _normal(name: str) -> str:
    return name.rsplit(".", 1)[-1].strip().replace("_", "-").lower()


def log_scale_names(config: OryxConfig) -> frozenset[str]:
    """The names (normalised last segments) whose continuous ranges are searched on a log scale.

    ``load_config`` has already checked that the key is a list of names.
    """
    return frozenset(_normal(str(name)) for name in config.get_list(LOG_SCALE_KEY))


def log_scaled(
    params: Mapping[str, HyperParamValues], names: Collection[str]
) -> tuple[dict[str, HyperParamValues], list[str]]:
    """``params`` with each listed continuous range made logarithmic, and the names of ranges that could not be.

    A range is left linear (its name returned) when its minimum is <= 0: there is no log of 0, and a user who
    wrote ``[0, 1]`` asked for 0 to be tried.
    """
    scaled: dict[str, HyperParamValues] = {}
    refused = []
    for name, values in params.items():
        if isinstance(values, ContinuousRange) and not values.log and values.lo != values.hi and _normal(name) in names:
            if values.lo > 0:
                values = ContinuousRange(values.lo, values.hi, log=True)
            else:
                refused.append(name)
        scaled[name] = values
    return scaled, refused


def hyperparam_keys(config: OryxConfig, name: str, values: HyperParamValues) -> list[str]:
    """The config keys ``oryx.<app>.hyperparams.<name>`` that hold ``values``, so a warning can name the key.

    The generic tier only knows the name an app gave a hyperparameter; the key is found by looking for it in
    every app's ``hyperparams`` block. Empty when the app read the value from elsewhere.
    """
    oryx: Any = config.as_dict().get("oryx", {})
    keys = []
    for section, settings in oryx.items():
        hyperparams = settings.get("hyperparams") if isinstance(settings, dict) else None
        if not isinstance(hyperparams, dict):
            continue
        for key_name, value in hyperparams.items():
            if _normal(key_name) != _normal(name):
                continue
            try:
                configured = from_config(value)
            except ValueError:
                continue
            if configured == values:
                keys.append(f"oryx.{section}.hyperparams.{key_name}")
    return keys
