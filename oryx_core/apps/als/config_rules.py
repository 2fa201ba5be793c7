"""The ALS keys' rules, registered with ``oryx_core.config_rules`` (found there by this module's name): a bad
``oryx.als.*`` value stops every layer at start with the key named."""

from __future__ import annotations

from oryx_core.config_rules import ConfigRule, unit_interval

RULES: tuple[ConfigRule, ...] = (
    unit_interval("oryx.als.sample-rate"),
    unit_interval("oryx.als.decay.factor"),
    unit_interval("oryx.als.ann.target-recall"),
)
