"""The random-decision-forest keys' rules, registered with ``oryx_core.config_rules`` (found there by this
module's name): a bad ``oryx.rdf.*`` value stops every layer at start with the key named."""

from __future__ import annotations

from oryx_core.config_rules import ConfigRule, at_least

RULES: tuple[ConfigRule, ...] = (at_least("oryx.rdf.num-trees", 1),)
