"""The one readiness rule (``oryx_core.api.readiness``): no model is never ready; a model is ready at the minimum."""

from __future__ import annotations

import pytest
from support.readiness_table import READINESS_STATES

from oryx_core.api.readiness import ReadinessLatch, is_ready


@pytest.mark.parametrize(("fraction", "minimum", "ready"), READINESS_STATES)
def test_is_ready_follows_oryx2s_comparison_on_a_model_that_exists(
    fraction: float | None, minimum: float, ready: bool
) -> None:
    assert is_ready(fraction, minimum) is ready


def test_the_latch_stays_ready_while_a_newer_model_loads() -> None:
    latch = ReadinessLatch(0.8)
    assert [latch.check(f) for f in (0.1, 0.8, 0.1, 0.0)] == [False, True, True, True]
    assert latch.latched


def test_the_latch_is_never_ready_without_a_model_even_once_latched() -> None:
    latch = ReadinessLatch(0.0)
    assert latch.check(None) is False
    assert latch.check(0.0) is True
    assert latch.check(None) is False


@pytest.mark.parametrize("minimum", [-0.1, 1.5])
def test_the_latch_rejects_a_minimum_outside_zero_to_one(minimum: float) -> None:
    with pytest.raises(ValueError, match=r"min-model-load-fraction must be in \[0, 1\]"):
        ReadinessLatch(minimum)
