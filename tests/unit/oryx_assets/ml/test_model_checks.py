"""The checks between the tuned model and its publication: what passes, what warns, what blocks (ERROR)."""

from __future__ import annotations

import math

import pytest
from dagster import AssetCheckResult, AssetCheckSeverity

from oryx_assets.lambda_.checks import max_bad_line_ratio
from oryx_assets.lambda_.publication import ChosenModel
from oryx_assets.ml.best_model import TunedModel
from oryx_assets.ml.checks import model_beats_baseline, model_has_valid_score, model_meets_threshold, pmml_content
from oryx_assets.resources import OryxConfigResource
from oryx_core.api.batch import Evaluation
from oryx_core.config import ConfigError, load_config
from oryx_core.ml.pmml import add_child, add_extension, pmml_skeleton, write_pmml

BEATS = Evaluation(-0.9, {"rmse": 0.9}, {"biases": {"rmse": 1.0}}, "biases", -1.0, test_rows=500)
LOSES = Evaluation(-1.1, {"rmse": 1.1}, {"biases": {"rmse": 1.0}}, "biases", -1.0, test_rows=500)


def tuned(evaluation: Evaluation | None, *, evaluates: bool = True, test_rows: int = 500, built: int = 2) -> TunedModel:
    score = evaluation.score if evaluation is not None else math.nan
    path = "file:/m/1" if built else None
    return TunedModel(path, score, None, 2, built, evaluates=evaluates, test_rows=test_rows, evaluation=evaluation)


def verdict(result: AssetCheckResult) -> tuple[bool, AssetCheckSeverity]:
    return result.passed, result.severity


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


# ---- model_has_valid_score ------------------------------------------------------------------------------


def test_a_scored_model_has_a_valid_score() -> None:
    result = model_has_valid_score(tuned(BEATS))

    assert result.passed is True
    assert result.metadata["score"].value == -0.9
    assert result.metadata["test_rows"].value == 500


def test_an_evaluated_generation_without_a_valid_score_fails_with_error_so_it_blocks() -> None:
    result = model_has_valid_score(tuned(Evaluation(math.nan)))

    assert verdict(result) == (False, AssetCheckSeverity.ERROR)
    assert "no candidate has a valid score on 500 test lines" in result.metadata["note"].value


def test_test_fraction_zero_only_warns_about_the_unevaluated_model() -> None:
    result = model_has_valid_score(tuned(None, evaluates=False, test_rows=0))

    assert verdict(result) == (False, AssetCheckSeverity.WARN)
    assert result.metadata["note"].value.startswith("test-fraction 0")


def test_no_test_line_warns_that_the_previous_model_stays() -> None:
    result = model_has_valid_score(tuned(None, test_rows=0, built=0))

    assert verdict(result) == (False, AssetCheckSeverity.WARN)
    assert "the previous model stays" in result.metadata["note"].value


def test_no_ml_model_passes_the_score_check() -> None:
    assert model_has_valid_score(None).passed is True


# ---- model_beats_baseline -------------------------------------------------------------------------------


def baseline_result(evaluation: Evaluation | None, mode: str = "warn") -> AssetCheckResult:
    oryx = OryxConfigResource(overrides=[f"oryx.ml.eval.baseline-check={mode}"])
    return model_beats_baseline(tuned(evaluation) if evaluation is not None else None, oryx=oryx)


def test_a_model_beating_its_baseline_passes_with_both_scores() -> None:
    result = baseline_result(BEATS)

    assert result.passed is True
    metadata = {k: v.value for k, v in result.metadata.items()}
    assert (metadata["score"], metadata["baseline"], metadata["baseline_score"]) == (-0.9, "biases", -1.0)


def test_losing_to_the_baseline_warns_by_default() -> None:
    result = baseline_result(LOSES)

    assert verdict(result) == (False, AssetCheckSeverity.WARN)
    assert result.metadata["note"].value == "score -1.1 vs biases -1: does not beat the baseline"


def test_losing_to_the_baseline_is_an_error_in_block_mode() -> None:
    assert verdict(baseline_result(LOSES, "block")) == (False, AssetCheckSeverity.ERROR)


def test_a_tie_with_the_baseline_does_not_beat_it() -> None:
    tie = Evaluation(-1.0, baseline="biases", baseline_score=-1.0)
    assert verdict(baseline_result(tie)) == (False, AssetCheckSeverity.WARN)


@pytest.mark.parametrize(
    ("evaluation", "mode"),
    [(LOSES, "off"), (Evaluation(-1.1), "block"), (Evaluation(math.nan, baseline_score=-1.0), "block"), (None, "warn")],
    ids=["off", "no-baseline", "nan-score", "no-model"],
)
def test_off_or_nothing_to_compare_passes(evaluation: Evaluation | None, mode: str) -> None:
    assert baseline_result(evaluation, mode).passed is True


# ---- model_not_empty's content test and the bad-line limit ----------------------------------------------


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
