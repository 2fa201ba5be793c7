"""The table of model states the readiness rule is specified by, shared by every test that checks a place deciding
readiness (the rule itself, serving's /ready, endpoints and /metrics, the speed layer's batch gate)."""

from __future__ import annotations

READINESS_STATES: list[tuple[float | None, float, bool]] = [
    (None, 0.0, False),
    (None, 0.8, False),
    (None, 1.0, False),
    (0.0, 0.0, True),
    (0.0, 0.8, False),
    (0.79, 0.8, False),
    (0.8, 0.8, True),
    (0.95, 0.8, True),
    (0.99, 1.0, False),
    (1.0, 1.0, True),
]
"""(fraction loaded, or None for no model; min-model-load-fraction; ready)"""
