"""The ALS keys' rules, registered with ``oryx_core.config_rules`` (found there by this module's name): a bad
``oryx.als.*`` value stops every layer at start with the key named."""

from __future__ import annotations

from oryx_core.config_rules import ConfigRule, NumericRule, at_least, read_finite_float, unit_interval

RULES: tuple[ConfigRule, ...] = (
    unit_interval("oryx.als.sample-rate"),
    unit_interval("oryx.als.decay.factor"),
    unit_interval("oryx.als.ann.target-recall"),
    at_least("oryx.als.bounds.min-interactions", 1),
    NumericRule("oryx.als.bounds.expire-after-days", read_finite_float, lambda v: v >= 0.0, "a number of days >= 0"),
)
