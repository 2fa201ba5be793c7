"""The one readiness rule: is a model loaded enough to answer queries (serving) or to publish updates (speed)?

Oryx 2 decided this in ``AbstractOryxResource.getServingModel`` (serving) and ``ALSSpeedModelManager.buildUpdates``
(speed) with the same comparison, ``fractionLoaded >= min-model-load-fraction`` on a model that exists. Every
place here that asks the question (the speed layer's micro-batch gate, serving's ``require_model``, ``/ready`` and
the ``/metrics`` ready gauge) calls :func:`is_ready`, so they cannot disagree.

* ``None`` means there is no model at all: never ready, whatever the minimum. Serving answers 503 ("Model not yet
  available") before the first ``MODEL`` even with ``min-model-load-fraction = 0``, as Oryx 2 does.
* A model that exists is ready once its fraction reaches the minimum, bounds included: with a minimum of 0.0 a
  model that has loaded nothing yet (fraction 0.0, e.g. an ALS ``MODEL`` whose vectors are still to come) is
  ready, because Oryx 2 compares with ``>=`` once the model is not null; with a minimum of 1.0 it waits for all.

Serving latches the answer (:class:`ReadinessLatch`): once ready, it stays ready while later models fill in, as
Oryx 2's ``hasLoadedEnough`` did. The speed layer asks afresh for every micro-batch, as Oryx 2's speed layer did.
"""

from __future__ import annotations

import threading

MIN_FRACTION_RANGE = (0.0, 1.0)


def is_ready(fraction_loaded: float | None, min_fraction: float) -> bool:
    """True when a model exists (``fraction_loaded`` is not None) and has loaded at least ``min_fraction``."""
    if fraction_loaded is None:
        return False
    return fraction_loaded >= min_fraction


class ReadinessLatch:
    """:func:`is_ready`, remembered once true: serving stays available while a newer model is still loading.

    A missing model (``None``) is never ready, latched or not: a manager that dropped its model (closed) has
    nothing to answer with. Thread-safe; request threads and the metrics scrape share one latch.
    """

    def __init__(self, min_fraction: float) -> None:
        low, high = MIN_FRACTION_RANGE
        if not low <= min_fraction <= high:
            raise ValueError(f"min-model-load-fraction must be in [0, 1], got {min_fraction}")
        self.min_fraction = min_fraction
        self._latched = False
        self._lock = threading.Lock()

    @property
    def latched(self) -> bool:
        return self._latched

    def check(self, fraction_loaded: float | None) -> bool:
        """Whether a model with this fraction may answer now, latching the first yes."""
        if fraction_loaded is None:
            return False
        with self._lock:
            if not self._latched and is_ready(fraction_loaded, self.min_fraction):
                self._latched = True
            return self._latched
