"""The columns of an input line, from ``oryx.input-schema.*`` (spec section 1.12), shared by every layer.

k-means and RDF read the same schema in the batch, speed and serving layers, so it is parsed once here and a
bad schema fails at start with the key that is wrong, not later on the first line. Unlike Oryx 2, numeric
values are checked while parsing a line, so a word in a numeric column is a bad line (counted, or HTTP 400),
never a crash.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from oryx_core.config import ConfigError, OryxConfig

__all__ = ["SCHEMA", "InputSchema", "parse_number"]

SCHEMA = "oryx.input-schema"


def parse_number(column: str, text: str) -> float:
    """A numeric field as float; ValueError naming the column for text that is not a finite number.

    An empty field is a missing value (NaN): RDF sends such values down the default child.
    """
    stripped = text.strip()
    if not stripped:
        return math.nan
    try:
        value = float(stripped)
    except ValueError:
        raise ValueError(f"column {column!r}: {text!r} is not a number") from None
    if math.isinf(value):
        raise ValueError(f"column {column!r}: {text!r} is not a finite number")
    return value


@dataclass(frozen=True)
class InputSchema:
    """Names and kinds of the input's columns.

    ``predictors`` are the active columns (not ID, not ignored) minus the target, in input order; ``target`` is
    None for unsupervised apps (k-means).
    """

    names: tuple[str, ...]
    predictors: tuple[str, ...]
    numeric: frozenset[str]
    target: str | None
    id_features: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config: OryxConfig, *, require_target: bool = True) -> InputSchema:
        names = [str(n) for n in config.get_list(f"{SCHEMA}.feature-names")]
        if not names:
            names = [str(i) for i in range(config.get_int(f"{SCHEMA}.num-features"))]
        if not names:
            raise ConfigError(f"{SCHEMA}.feature-names", "is empty; name the input's columns (or set num-features)")
        if len(set(names)) != len(names):
            raise ConfigError(f"{SCHEMA}.feature-names", f"has duplicate names: {names}")
        ids = [str(n) for n in config.get_list(f"{SCHEMA}.id-features")]
        ignored = [str(n) for n in config.get_list(f"{SCHEMA}.ignored-features")]
        for key, listed in (("id-features", ids), ("ignored-features", ignored)):
            unknown = sorted(set(listed) - set(names))
            if unknown:
                raise ConfigError(f"{SCHEMA}.{key}", f"names columns not in feature-names: {unknown}")
        active = [n for n in names if n not in set(ids) | set(ignored)]
        numeric_list = config.get_optional_list(f"{SCHEMA}.numeric-features")
        categorical_list = config.get_optional_list(f"{SCHEMA}.categorical-features")
        if numeric_list is not None:
            numeric = {str(n) for n in numeric_list}
        elif categorical_list is not None:
            numeric = set(active) - {str(n) for n in categorical_list}
        else:
            raise ConfigError(f"{SCHEMA}.numeric-features", "or categorical-features must be set")
        target = config.get_optional_string(f"{SCHEMA}.target-feature")
        if target is None and require_target:
            raise ConfigError(f"{SCHEMA}.target-feature", f"must name an active column of {active}, got None")
        if target is not None and target not in active:
            raise ConfigError(f"{SCHEMA}.target-feature", f"must name an active column of {active}, got {target!r}")
        predictors = tuple(n for n in active if n != target)
        if not predictors:
            raise ConfigError(f"{SCHEMA}.feature-names", "leaves no active predictor column")
        return cls(tuple(names), predictors, frozenset(numeric & set(active)), target, tuple(ids))

    def is_numeric(self, column: str) -> bool:
        return column in self.numeric

    @property
    def categorical_predictors(self) -> tuple[str, ...]:
        return tuple(n for n in self.predictors if n not in self.numeric)

    @property
    def is_classification(self) -> bool:
        """A categorical target means classification, a numeric one regression (as Oryx 2's RDF decides)."""
        return self.target is not None and self.target not in self.numeric

    def require_all_numeric(self) -> None:
        """k-means needs every predictor numeric: a clear error at start rather than a failed generation."""
        categorical = self.categorical_predictors
        if categorical:
            raise ConfigError(
                f"{SCHEMA}.numeric-features", f"must include every active feature; categorical: {list(categorical)}"
            )

    def check_width(self, fields: Sequence[str]) -> None:
        if len(fields) != len(self.names):
            raise ValueError(f"has {len(fields)} fields, expected {len(self.names)} ({', '.join(self.names)})")

    def row(self, fields: Sequence[str]) -> dict[str, float | str]:
        """Predictors and target of one parsed line; ValueError for a wrong field count or a non-numeric number."""
        self.check_width(fields)
        values = dict(zip(self.names, fields, strict=True))
        wanted = (*self.predictors, self.target) if self.target is not None else self.predictors
        return {n: parse_number(n, values[n]) if n in self.numeric else values[n] for n in wanted}

    def numeric_vector(self, fields: Sequence[str]) -> list[float]:
        """The predictors of one line as numbers, for all-numeric apps; missing values are rejected here."""
        row = self.row(fields)
        vector = [float(row[n]) for n in self.predictors]
        missing = [n for n, v in zip(self.predictors, vector, strict=True) if math.isnan(v)]
        if missing:
            raise ValueError(f"has no value for {missing}")
        return vector

    def id_of(self, fields: Sequence[str]) -> str | None:
        """The first ID column's value, if the schema names one (k-means reports it with assignments)."""
        if not self.id_features:
            return None
        self.check_width(fields)
        return fields[self.names.index(self.id_features[0])]
