"""Whether a generation's model may be published: its score, its baseline, its threshold (no Dagster here).

The asset checks beside ``tuned_model`` report these verdicts, and ``tuned_model`` itself asks them before it
spends a refit on a model that a blocking check would stop anyway. A verdict that ``blocks`` is reported with
ERROR severity: Dagster stops downstream assets only on an ERROR failure of a blocking check, so a WARN
failure shows on the asset without holding publication back.

Rules, where Oryx 2 had one (the threshold) and we add two:

* ``model_has_valid_score``: a generation meant to be evaluated (``test-fraction`` > 0) publishes only a model
  with a real (non-NaN) score; with ``test-fraction`` 0 the unevaluated model is the user's explicit choice and
  only warned about. A generation without a single test line publishes nothing (a warning: the previous model
  stays in service).
* ``model_beats_baseline`` (``oryx.ml.eval.baseline-check``): the score should beat the app's strongest trivial
  model (``Evaluation.baseline_score``); "warn" warns, "block" withholds the model, "off" skips the check.
* ``model_meets_threshold``: Oryx 2's ``oryx.ml.eval.threshold``.
* ``model_not_worse_than_published`` (``oryx.ml.eval.regression-check``, ``regression-margin``): the score should
  not fall more than the margin (a share of the last published model's score) below that model's; "warn"
  (the default) warns, "block" withholds the model, "off" skips the check. Scores of two generations come from
  different test lines, so a small margin is noise, not a regression.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from oryx_core.api.batch import Evaluation
from oryx_core.config import OryxConfig

BASELINE_CHECK_KEY = "oryx.ml.eval.baseline-check"
REGRESSION_CHECK_KEY = "oryx.ml.eval.regression-check"
REGRESSION_MARGIN_KEY = "oryx.ml.eval.regression-margin"


class BaselineCheck(StrEnum):
    WARN = "warn"
    BLOCK = "block"
    OFF = "off"


def baseline_check(config: OryxConfig) -> BaselineCheck:
    """The configured mode (``load_config`` has checked it is one of the three)."""
    return BaselineCheck(config.get_string(BASELINE_CHECK_KEY))


def regression_check(config: OryxConfig) -> tuple[BaselineCheck, float]:
    """The regression gate's mode and margin (``load_config`` has checked both)."""
    return BaselineCheck(config.get_string(REGRESSION_CHECK_KEY)), config.get_float(REGRESSION_MARGIN_KEY)


@dataclass(frozen=True)
class Verdict:
    """A check's outcome: ``passed``, whether a failure ``blocks`` publication, and why, in words."""

    passed: bool
    blocks: bool
    note: str


def score_verdict(evaluates: bool, test_rows: int, built: bool, evaluation: Evaluation | None) -> Verdict:
    """``model_has_valid_score``: see the module docstring."""
    if not evaluates:
        return Verdict(False, False, "test-fraction 0: evaluation is off, so the model is published unevaluated")
    if test_rows == 0:
        return Verdict(False, False, "no test line this generation: nothing is published, the previous model stays")
    if not built:
        return Verdict(True, False, "no candidate built a model (see model_not_empty)")
    if evaluation is None or not evaluation.valid:
        return Verdict(False, True, f"no candidate has a valid score on {test_rows} test lines: nothing is published")
    return Verdict(True, False, f"score {evaluation.score:.6g} on {test_rows} test lines")


def baseline_verdict(mode: BaselineCheck, evaluation: Evaluation | None) -> Verdict:
    """``model_beats_baseline``: see the module docstring."""
    if mode is BaselineCheck.OFF:
        return Verdict(True, False, f"{BASELINE_CHECK_KEY} is off")
    beats = evaluation.beats_baseline() if evaluation is not None else None
    if evaluation is None or beats is None:
        return Verdict(True, False, "no scored model with a baseline to compare (the app reports no baseline_score)")
    name = evaluation.baseline or "baseline"
    assert evaluation.baseline_score is not None
    comparison = f"score {evaluation.score:.6g} vs {name} {evaluation.baseline_score:.6g}"
    if beats:
        return Verdict(True, False, f"{comparison}: beats the baseline")
    if mode is BaselineCheck.BLOCK:
        return Verdict(False, True, f"{comparison}: does not beat the baseline; not published ({BASELINE_CHECK_KEY})")
    return Verdict(False, False, f"{comparison}: does not beat the baseline")


def meets_threshold(score: float | None, threshold: float | None) -> bool:
    """Oryx 2's rule: a model is kept unless its score is below the threshold; an unknown (NaN) score passes.

    A NaN score is stopped by ``model_has_valid_score`` instead, when the generation was meant to be evaluated.
    """
    if threshold is None or score is None or math.isnan(score):
        return True
    return score >= threshold


def regression_verdict(
    mode: BaselineCheck, margin: float, previous: float | None, evaluation: Evaluation | None
) -> Verdict:
    """``model_not_worse_than_published``: see the module docstring. ``previous`` is the score of the last
    published model (None when none was published with a score)."""
    if mode is BaselineCheck.OFF:
        return Verdict(True, False, f"{REGRESSION_CHECK_KEY} is off")
    if evaluation is None or not evaluation.valid:
        return Verdict(True, False, "no scored model to compare (see model_has_valid_score)")
    if previous is None or not math.isfinite(previous):
        return Verdict(True, False, "no published model with a score to compare with")
    floor = previous - margin * abs(previous)
    comparison = f"score {evaluation.score:.6g} vs published {previous:.6g} (lowest accepted {floor:.6g})"
    if evaluation.score >= floor:
        return Verdict(True, False, f"{comparison}: no regression")
    if mode is BaselineCheck.BLOCK:
        return Verdict(
            False, True, f"{comparison}: worse than the published model; not published ({REGRESSION_CHECK_KEY})"
        )
    return Verdict(False, False, f"{comparison}: worse than the published model")
