"""The blocking checks between the tuned model and its publication, and the bad-line limit's validation."""

from __future__ import annotations

import math

import pytest

from oryx_assets.lambda_.checks import max_bad_line_ratio
from oryx_assets.lambda_.publication import ChosenModel
from oryx_assets.ml.best_model import model_meets_threshold, pmml_content
from oryx_core.config import ConfigError, load_config
from oryx_core.ml.pmml import add_child, add_extension, pmml_skeleton, write_pmml


def test_a_model_below_the_threshold_fails_the_check_with_both_numbers() -> None:
    result = model_meets_threshold(ChosenModel(None, 0.5, 0.9, candidates=2, built=2))

    assert result.passed is False
    assert {k: v.value for k, v in result.metadata.items()} == {"score": "0.5", "threshold": "0.9"}


@pytest.mark.parametrize(
    "chosen",
    [
        None,
        ChosenModel("file:/m/1", 0.95, 0.9, 1, 1),
        ChosenModel("file:/m/1", math.nan, 0.9, 1, 1),
        ChosenModel("file:/m/1", 0.2, None, 1, 1),
    ],
)
def test_models_at_or_above_the_threshold_or_unscored_pass(chosen: ChosenModel | None) -> None:
    assert model_meets_threshold(chosen).passed is True


def test_a_pmml_with_only_a_header_has_no_content() -> None:
    empty = pmml_skeleton(0)
    add_child(empty, "DataDictionary")

    assert pmml_content(write_pmml(empty)) == []


def test_model_elements_and_oryx_extensions_are_content() -> None:
    root = pmml_skeleton(0)
    add_child(root, "TreeModel")
    add_extension(root, "features", 10)

    assert pmml_content(write_pmml(root)) == ["TreeModel", "Extension"]


@pytest.mark.parametrize("limit", ["-0.1", "1.5"])
def test_bad_line_limit_outside_0_to_1_is_refused_by_key(limit: str) -> None:
    with pytest.raises(ConfigError, match="oryx.batch.max-bad-line-ratio"):
        max_bad_line_ratio(load_config(None, [f"oryx.batch.max-bad-line-ratio={limit}"]))


def test_bad_line_limit_defaults_to_one_percent() -> None:
    assert max_bad_line_ratio(load_config()) == 0.01
