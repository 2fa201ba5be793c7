"""Categorical encodings and the conversion of input lines into feature vectors.

A categorical value's encoding is its position among its column's values in the PMML ``DataDictionary``
(``oryx_core.ml.pmml_schema.categorical_values``); the batch layer assigns them (sorted values, so a generation
is reproducible, unlike Oryx 2's hash-set order) and the speed and serving layers read them back from the model.

Two readings of a line. For learning (:meth:`Encodings.features`, the batch and speed layers) a category the
model never saw is a ``ValueError`` naming the column and the known values, so the line counts as bad. For
predicting (:meth:`Encodings.prediction_features`, the serving layer) it is a missing value, as the PMML declares
(``invalidValueTreatment="asMissing"``): it takes the trees' missing-value path, the row is answered, and the
caller learns which columns were missing or unseen so it can count them. Oryx 2 failed such a row with a 500.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from oryx_core.input.schema import InputSchema, parse_number

__all__ = ["Encodings", "PredictionFeatures"]

_MAX_LISTED = 10


@dataclass(frozen=True)
class PredictionFeatures:
    """A feature vector to predict with (NaN where a value is missing) and why values are missing.

    ``missing`` names predictors with no value (an empty field, or ``NaN``); ``unseen`` names categorical
    predictors whose value the model never saw. Both take the trees' missing-value path.
    """

    vector: list[float]
    missing: tuple[str, ...] = ()
    unseen: tuple[str, ...] = ()


def _prediction_number(column: str, text: str) -> float:
    """A numeric field for prediction: any float, ±inf included (a split only compares); NaN when missing."""
    stripped = text.strip()
    if not stripped:
        return math.nan
    try:
        return float(stripped)
    except ValueError:
        raise ValueError(f"column {column!r}: {text!r} is not a number") from None


@dataclass(frozen=True)
class Encodings:
    """The schema plus each categorical column's values in encoding order."""

    schema: InputSchema
    values: Mapping[str, Sequence[str]]
    _index: dict[str, dict[str, int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {c: {v: i for i, v in enumerate(vs)} for c, vs in self.values.items()})

    def encode(self, column: str, value: str) -> int:
        """The encoding of a categorical value; ValueError for a value the model never saw."""
        index = self._index.get(column, {})
        code = index.get(value)
        if code is None:
            known = list(self.values.get(column, ()))
            shown = ", ".join(repr(v) for v in known[:_MAX_LISTED]) + (", ..." if len(known) > _MAX_LISTED else "")
            raise ValueError(f"column {column!r}: unknown value {value!r}; the model knows {shown or 'no values'}")
        return code

    def decode(self, column: str, code: int) -> str:
        return self.values[column][code]

    def features(self, fields: Sequence[str]) -> list[float]:
        """One float per predictor: numbers, categorical encodings, NaN for an empty (missing) field.

        ValueError for a wrong number of fields, a non-number in a numeric column or an unseen category.
        """
        self.schema.check_width(fields)
        by_name = dict(zip(self.schema.names, fields, strict=True))
        vector = []
        for column in self.schema.predictors:
            text = by_name[column]
            if self.schema.is_numeric(column):
                vector.append(parse_number(column, text))
            elif not text.strip():
                vector.append(math.nan)
            else:
                vector.append(float(self.encode(column, text)))
        return vector

    def prediction_features(self, fields: Sequence[str]) -> PredictionFeatures:
        """The feature vector of a row to predict; ValueError only for a malformed row.

        Malformed means a wrong number of fields or a non-number in a numeric column. A missing value (empty,
        or NaN) and an unseen category are NaN in the vector and named in the result.
        """
        self.schema.check_width(fields)
        by_name = dict(zip(self.schema.names, fields, strict=True))
        vector: list[float] = []
        missing: list[str] = []
        unseen: list[str] = []
        for column in self.schema.predictors:
            text = by_name[column]
            if self.schema.is_numeric(column):
                value = _prediction_number(column, text)
            elif not text.strip():
                value = math.nan
            else:
                code = self._index.get(column, {}).get(text)
                value = math.nan if code is None else float(code)
                if code is None:
                    unseen.append(column)
            if math.isnan(value) and column not in unseen:
                missing.append(column)
            vector.append(value)
        return PredictionFeatures(vector, tuple(missing), tuple(unseen))

    def target(self, fields: Sequence[str]) -> float:
        """The target as a number: its class encoding, or its value; ValueError when it is missing or unknown."""
        target = self.schema.target
        if target is None:
            raise ValueError("the input schema has no target-feature")
        self.schema.check_width(fields)
        text = fields[self.schema.names.index(target)]
        if not text.strip():
            raise ValueError(f"column {target!r}: the target value is missing")
        if self.schema.is_numeric(target):
            return parse_number(target, text)
        return float(self.encode(target, text))

    @property
    def classes(self) -> list[str] | None:
        """The target's classes in encoding order, or None for regression."""
        target = self.schema.target
        if target is None or self.schema.is_numeric(target):
            return None
        return list(self.values.get(target, ()))
