"""The serving layer's state: everything a view needs, kept in ``app.extensions["oryx"]`` rather than in module
globals, and closed once when the app shuts down.

``model_manager.init_app`` builds it; views reach it through ``serving_state()``.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from flask import current_app

from oryx_core.api.readiness import ReadinessLatch
from oryx_core.api.serving import ServingModel, ServingModelManager
from oryx_core.config import OryxConfig
from oryx_core.topics.acknowledged_writer import Headers
from oryx_core.topics.follower import UpdateFollower
from oryx_serving.lambda_.idempotency import IdempotencyLedger

log = logging.getLogger(__name__)

EXTENSION_KEY = "oryx"


class InputProducer(Protocol):
    """What write endpoints need: ``AcknowledgedWriter`` (or the in-memory fake in unit tests). ``write``
    returns once the broker holds every record, or raises ``DeliveryError`` with none of them left queued."""

    def write(self, records: Sequence[tuple[str | None, str]], headers: Sequence[Headers] | None = None) -> None: ...

    def close(self) -> None: ...


@dataclass(eq=False)
class OryxServingState:
    """Everything a view needs, kept in ``app.extensions["oryx"]`` rather than in module globals."""

    config: OryxConfig
    model_manager: ServingModelManager
    input_producer: InputProducer | None
    read_only: bool
    min_model_load_fraction: float
    follower: UpdateFollower | None = None
    idempotency: IdempotencyLedger | None = None
    """Which records of each ``Idempotency-Key`` request the broker holds (None without a producer)."""
    readiness: ReadinessLatch = field(init=False)
    """Latched once the model first reaches ``min_model_load_fraction``; asked by ``/ready``, every endpoint
    that needs the model and the ``/metrics`` ready gauge, through :meth:`model_status` alone."""
    input_lines_sent: int = 0
    """Lines the broker has acknowledged from this process's write endpoints (for ``/metrics``)."""
    _closed: bool = field(default=False, repr=False)
    _counter_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.readiness = ReadinessLatch(self.min_model_load_fraction)

    def model_status(self) -> tuple[ServingModel | None, float | None, bool]:
        """(model, fraction loaded or None without a model, ready): the one answer to "may the model serve?"."""
        model = self.model_manager.get_model()
        fraction = None if model is None else float(model.get_fraction_loaded())
        return model, fraction, self.readiness.check(fraction)

    def count_input_lines(self, lines: int) -> None:
        with self._counter_lock:
            self.input_lines_sent += lines

    def close(self) -> None:
        """Stops the follower, flushes and closes the input producer, closes the manager; safe to repeat."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        if self.follower is not None:
            self.follower.stop()
        if self.idempotency is not None:
            self.idempotency.close()
        if self.input_producer is not None:
            try:
                self.input_producer.close()
            except Exception:
                log.exception("Closing the input-topic producer failed")
        try:
            self.model_manager.close()
        except Exception:
            log.exception("Closing the serving model manager failed")
        log.info("Serving state closed: update-topic follower stopped, input producer flushed")


def serving_state() -> OryxServingState:
    """The current app's state, for views."""
    state: OryxServingState = current_app.extensions[EXTENSION_KEY]
    return state
