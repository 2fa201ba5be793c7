"""The regression gate's rule (``regression_verdict``) and its keys: worse than the last published model by more
than the margin warns, or blocks in "block" mode; nothing to compare passes."""

from __future__ import annotations

import math

import pytest

from oryx_assets.ml.verdicts import BaselineCheck, regression_check, regression_verdict
from oryx_core.api.batch import Evaluation
from oryx_core.config import ConfigError, load_config

WARN, BLOCK, OFF = BaselineCheck.WARN, BaselineCheck.BLOCK, BaselineCheck.OFF


def test_defaults_warn_at_five_percent() -> None:
    assert regression_check(load_config(None, [])) == (WARN, 0.05)


@pytest.mark.parametrize(
    ("score", "previous", "passed"),
    [
        (0.95, 1.0, True),  # 5 % below: within the margin
        (0.949, 1.0, False),
        (1.2, 1.0, True),
        (-1.05, -1.0, True),  # -RMSE: 1.05 against 1.0 is 5 % worse, within
        (-1.06, -1.0, False),
        (-0.001, 0.0, False),  # a score of 0 leaves no margin
    ],
)
def test_a_score_is_judged_against_the_margin_as_a_share_of_the_published_score(
    score: float, previous: float, passed: bool
) -> None:
    verdict = regression_verdict(WARN, 0.05, previous, Evaluation(score))
    assert verdict.passed is passed and verdict.blocks is False


def test_a_regression_blocks_only_in_block_mode_and_the_note_has_both_scores() -> None:
    verdict = regression_verdict(BLOCK, 0.05, 0.9, Evaluation(0.5))
    assert (verdict.passed, verdict.blocks) == (False, True)
    assert "score 0.5 vs published 0.9 (lowest accepted 0.855)" in verdict.note and "not published" in verdict.note


@pytest.mark.parametrize(
    ("mode", "previous", "evaluation"),
    [
        (OFF, 0.9, Evaluation(0.1)),
        (BLOCK, None, Evaluation(0.1)),
        (BLOCK, 0.9, None),
        (BLOCK, 0.9, Evaluation(math.nan)),
    ],
    ids=["off", "nothing-published", "no-model", "unscored"],
)
def test_off_or_nothing_to_compare_passes(
    mode: BaselineCheck, previous: float | None, evaluation: Evaluation | None
) -> None:
    assert regression_verdict(mode, 0.05, previous, evaluation).passed is True


@pytest.mark.parametrize(
    ("key", "value"),
    [("oryx.ml.eval.regression-check", '"sometimes"'), ("oryx.ml.eval.regression-margin", "-0.1")],
)
def test_bad_settings_are_refused_naming_the_key(key: str, value: str) -> None:
    with pytest.raises(ConfigError, match=key):
        load_config(None, [f"{key}={value}"])
