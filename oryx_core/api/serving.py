"""Serving-layer app interface: Oryx 2's ``ServingModelManager`` and ``ServingModel``."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


class OryxServingError(Exception):
    """An error with the HTTP status Oryx 2 would answer (400 bad input, 404 unknown ID, 503 no model...)."""

    def __init__(self, status: int, message: str = "", headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        """Extra response headers (``Retry-After`` on a 503 a client should retry)."""


MetricGauge = tuple[str, str, float]
"""(Prometheus name, help text, value): what a serving model adds to ``/metrics`` through an optional
``metric_gauges()`` method (say, its size in memory or how far an index trails the model)."""


@runtime_checkable
class ServingModel(Protocol):
    def get_fraction_loaded(self) -> float:
        """Fraction in [0, 1] of the model's expected content that has arrived so far."""
        ...


@runtime_checkable
class ServingModelManager(Protocol):
    """Follows the update topic and holds the in-memory model the REST endpoints query."""

    def consume_key_message(self, key: str | None, message: str) -> None: ...

    def get_model(self) -> ServingModel | None: ...

    def close(self) -> None: ...
