"""Input lines to the linear app's numbers, by one rule for every layer.

The app needs a numeric target and every active predictor numeric; a schema breaking either rule fails when a
layer starts, naming the key. A training line needs the target; a datum to predict may leave it empty (as the
RDF app's ``/predict`` datum does), and its value is ignored.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from oryx_core.config import ConfigError, OryxConfig
from oryx_core.input.lines import BadLineError, parse_line
from oryx_core.input.schema import SCHEMA, InputSchema, parse_number

__all__ = ["linear_schema", "parse_datum", "parse_example", "parse_examples"]


def linear_schema(config: OryxConfig) -> InputSchema:
    """``oryx.input-schema`` for linear regression; ConfigError for a categorical target or predictor."""
    schema = InputSchema.from_config(config, require_target=True)
    if schema.is_classification:
        raise ConfigError(f"{SCHEMA}.target-feature", f"must be numeric for linear regression, got {schema.target!r}")
    schema.require_all_numeric()
    return schema


def _fields(schema: InputSchema, line: str) -> list[str]:
    fields = parse_line(line)
    if not fields or fields == [""]:
        raise ValueError("is empty")
    schema.check_width(fields)
    return fields


def parse_datum(schema: InputSchema, line: str) -> list[float]:
    """The predictors of one CSV or JSON-array line; ValueError saying why not (a missing value included)."""
    return schema.numeric_vector(_fields(schema, line))


def parse_example(schema: InputSchema, line: str) -> tuple[list[float], float]:
    """Predictors and target of one training line; ValueError when the target is missing or not a number."""
    fields = _fields(schema, line)
    assert schema.target is not None  # linear_schema requires it
    target = parse_number(schema.target, fields[schema.names.index(schema.target)])
    if math.isnan(target):
        raise ValueError(f"has no value for the target {schema.target!r}")
    return schema.numeric_vector(fields), target


def parse_examples(schema: InputSchema, lines: Iterable[str | None]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The good lines as a float64 matrix and target vector, and a reason per bad line (never fatal)."""
    rows: list[list[float]] = []
    targets: list[float] = []
    bad: list[str] = []
    for line in lines:
        try:
            if line is None:
                raise ValueError("is null")
            vector, target = parse_example(schema, line)
        except (BadLineError, ValueError) as error:
            bad.append(f"{line!r}: {getattr(error, 'reason', error)}")
            continue
        rows.append(vector)
        targets.append(target)
    width = len(schema.predictors)
    return np.array(rows, dtype=np.float64).reshape(-1, width), np.array(targets, dtype=np.float64), bad
