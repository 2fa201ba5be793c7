"""Input lines to k-means points, under the schema every layer checks the same way at start.

k-means needs no target and every active feature numeric (spec 4.2); a schema breaking either rule fails when a
layer starts, naming the key, instead of at the first line or the first model.
"""

from __future__ import annotations

from oryx_core.config import ConfigError, OryxConfig
from oryx_core.input.lines import parse_line
from oryx_core.input.schema import SCHEMA, InputSchema

__all__ = ["kmeans_schema", "parse_point"]


def kmeans_schema(config: OryxConfig) -> InputSchema:
    """``oryx.input-schema`` for k-means; ConfigError for a target or a categorical active feature."""
    schema = InputSchema.from_config(config, require_target=False)
    if schema.target is not None:
        raise ConfigError(f"{SCHEMA}.target-feature", f"must be unset for k-means, got {schema.target!r}")
    schema.require_all_numeric()
    return schema


def parse_point(schema: InputSchema, line: str) -> list[float]:
    """The active features of one CSV or JSON-array line; ValueError (BadLineError for syntax) saying why not.

    Errors start with the problem, e.g. "has 3 fields, expected 5 (...)", so the serving layer can answer 400
    with Oryx 2's "Wrong number of features" meaning and the batch and speed layers can count the line as bad.
    """
    fields = parse_line(line)
    if not fields or fields == [""]:
        raise ValueError("is empty")
    return schema.numeric_vector(fields)
