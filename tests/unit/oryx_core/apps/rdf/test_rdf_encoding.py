"""Input lines to feature vectors: encodings from the model, 400-worthy errors for what the model cannot use."""

from __future__ import annotations

import math

import pytest

from oryx_core.apps.rdf.encoding import Encodings
from oryx_core.config import load_config
from oryx_core.input.schema import InputSchema

SCHEMA = [
    'oryx.input-schema.feature-names=["id", "x", "color", "label"]',
    'oryx.input-schema.id-features=["id"]',
    'oryx.input-schema.categorical-features=["color", "label"]',
    "oryx.input-schema.target-feature=label",
]


def encodings() -> Encodings:
    schema = InputSchema.from_config(load_config(None, SCHEMA))
    return Encodings(schema, {"color": ["blue", "green", "red"], "label": ["no", "yes"]})


def test_features_are_numbers_and_category_encodings_in_predictor_order() -> None:
    assert encodings().features(["7", "1.5", "red", "yes"]) == [1.5, 2.0]


def test_empty_fields_are_missing_values() -> None:
    vector = encodings().features(["7", "", "", ""])
    assert math.isnan(vector[0]) and math.isnan(vector[1])


def test_unseen_category_is_a_value_error_naming_column_and_known_values() -> None:
    with pytest.raises(ValueError, match="column 'color': unknown value 'purple'; the model knows 'blue', 'green'"):
        encodings().features(["7", "1", "purple", ""])


def test_wrong_column_count_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="has 2 fields, expected 4"):
        encodings().features(["1", "red"])


def test_target_is_the_class_encoding() -> None:
    assert encodings().target(["7", "1", "red", "yes"]) == 1.0


def test_missing_target_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="target value is missing"):
        encodings().target(["7", "1", "red", ""])


def test_classes_are_the_target_values_in_encoding_order() -> None:
    assert encodings().classes == ["no", "yes"]


def test_for_prediction_an_unseen_category_is_missing_and_named() -> None:
    found = encodings().prediction_features(["7", "1.5", "purple", ""])
    assert (found.vector[0], math.isnan(found.vector[1]), found.missing, found.unseen) == (1.5, True, (), ("color",))


def test_for_prediction_empty_and_nan_fields_are_missing_and_infinities_are_values() -> None:
    found = encodings().prediction_features(["7", " NaN ", "", ""])
    assert [math.isnan(v) for v in found.vector] == [True, True] and found.missing == ("x", "color")
    assert encodings().prediction_features(["7", "-inf", "blue", "yes"]).vector == [-math.inf, 0.0]
    assert encodings().prediction_features(["7", "1e999", "red", ""]).vector == [math.inf, 2.0]


@pytest.mark.parametrize(
    ("fields", "message"),
    [(["7", "1"], "has 2 fields, expected 4"), (["7", "seven", "red", ""], "column 'x': 'seven' is not a number")],
)
def test_for_prediction_only_malformed_rows_are_value_errors(fields: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        encodings().prediction_features(fields)
