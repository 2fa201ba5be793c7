"""Synthetic regression examples whose true coefficients are known, so a prediction can be checked against them.

``y = INTERCEPT + COEFFICIENTS · x + noise``, with features of different scales and Gaussian noise of standard
deviation ``NOISE``; the columns match ``conf/linear-example.conf`` (``x1, x2, x3, y``). Drawn from a seeded
generator, so the demo and the end-to-end test see the same lines every time.
"""

from __future__ import annotations

import numpy as np

from oryx_core.input.lines import join_csv

__all__ = ["COEFFICIENTS", "INTERCEPT", "NOISE", "true_value", "synthetic_lines"]

INTERCEPT = 3.0
COEFFICIENTS = (2.0, -1.5, 0.25)
SCALES = (1.0, 10.0, 100.0)
NOISE = 0.1


def true_value(features: tuple[float, ...]) -> float:
    """What the known coefficients give, without noise."""
    return INTERCEPT + float(np.dot(COEFFICIENTS, features))


def synthetic_lines(rows: int, seed: int = 7) -> list[str]:
    """``rows`` CSV lines ``x1,x2,x3,y``."""
    rng = np.random.default_rng(seed)
    features = rng.normal(0.0, SCALES, size=(rows, len(SCALES)))
    targets = INTERCEPT + features @ np.array(COEFFICIENTS) + rng.normal(0.0, NOISE, size=rows)
    return [
        join_csv([*(repr(float(v)) for v in row), repr(float(y))]) for row, y in zip(features, targets, strict=True)
    ]
