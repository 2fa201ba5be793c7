"""The input schema as k-means and RDF read it: column kinds, target rules and per-line parsing."""

import math

import pytest

from oryx_core.config import ConfigError, load_config
from oryx_core.input.schema import InputSchema


def schema(*overrides: str, require_target: bool = True) -> InputSchema:
    base = [
        'oryx.input-schema.feature-names=["id","size","color","price"]',
        'oryx.input-schema.id-features=["id"]',
        'oryx.input-schema.categorical-features=["color"]',
        "oryx.input-schema.target-feature=price",
    ]
    return InputSchema.from_config(load_config(None, [*base, *overrides]), require_target=require_target)


def test_predictors_exclude_ids_and_target_and_kinds_follow_categorical_list() -> None:
    s = schema()
    assert s.predictors == ("size", "color")
    assert s.numeric == frozenset({"size", "price"})
    assert s.categorical_predictors == ("color",)
    assert not s.is_classification


def test_row_parses_numbers_and_keeps_categories() -> None:
    assert schema().row(["a", "2.5", "red", ""]) == {
        "size": 2.5,
        "color": "red",
        "price": pytest.approx(math.nan, nan_ok=True),
    }


def test_row_names_the_column_of_a_bad_number_and_a_wrong_width() -> None:
    with pytest.raises(ValueError, match="'size'"):
        schema().row(["a", "big", "red", "1"])
    with pytest.raises(ValueError, match="has 2 fields, expected 4"):
        schema().row(["a", "1"])


def test_unsupervised_schema_needs_no_target_but_rejects_categorical_for_numeric_apps() -> None:
    s = schema("oryx.input-schema.target-feature=null", require_target=False)
    assert s.target is None
    assert s.predictors == ("size", "color", "price")
    with pytest.raises(ConfigError, match="categorical"):
        s.require_all_numeric()


def test_numeric_vector_rejects_missing_values_and_id_is_reported() -> None:
    s = schema(
        "oryx.input-schema.target-feature=null", "oryx.input-schema.categorical-features=[]", require_target=False
    )
    assert s.numeric_vector(["p1", "1", "2", "3"]) == [1.0, 2.0, 3.0]
    assert s.id_of(["p1", "1", "2", "3"]) == "p1"
    with pytest.raises(ValueError, match="no value"):
        s.numeric_vector(["p1", "1", "", "3"])


def test_config_errors_name_the_key() -> None:
    with pytest.raises(ConfigError, match="target-feature"):
        schema("oryx.input-schema.target-feature=id")
    with pytest.raises(ConfigError, match="duplicate"):
        schema('oryx.input-schema.feature-names=["a","a"]')
    with pytest.raises(ConfigError, match="id-features"):
        schema('oryx.input-schema.id-features=["nope"]')
