"""One app's in-memory model as the update topic builds it, shared by that app's speed manager and serving.

Oryx 2 gave each app a speed model manager and a serving model manager that parsed the same ``MODEL`` /
``MODEL-REF`` / ``UP`` messages twice; here an app's ``state.py`` (``oryx_core/apps/<app>/state.py``) subclasses
:class:`ModelState` once, and both layers hold one:

* ``MODEL`` or ``MODEL-REF`` (read only from inside ``oryx.batch.storage.model-dir``) replaces the model whole, with
  one reference swap: readers see the old model or the new one, never a mix.
* ``UP`` is applied only when the state was built with ``apply_updates=True``. Serving applies the speed layer's
  updates; the speed layers of k-means, RDF and the example ignore them, their own included, because their
  running figures already hold them (Oryx 2's ``KMeansSpeedModelManager`` and friends: "hearing our own
  updates"). An ``UP`` before any model has nothing to apply to and is skipped, as in Oryx 2.
* Any other key raises ``ValueError`` (Oryx 2 threw "Unexpected key"), so the follower logs, counts and skips it.

Readiness is ``fraction_loaded()``: None with no model (``oryx_core.api.readiness``), 1.0 once a model exists,
since these apps' models arrive whole in one message.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from oryx_core.storage.model_refs import ModelDirectory
from oryx_core.topics.messages import UP
from oryx_core.topics.model_messages import is_model_key, model_text

log = logging.getLogger(__name__)

M = TypeVar("M")


class ModelState(Generic[M]):
    """The current model ``M`` (None before the first ``MODEL``) behind one lock that serialises its writers.

    Subclasses give :attr:`app` and implement :meth:`parse_model` (a ``MODEL`` message's text to ``M``) and
    :meth:`apply_update` (one ``UP`` message to the model, returning the model now current).
    """

    app = "app"

    def __init__(self, model_dir: ModelDirectory | None, *, apply_updates: bool, initial: M | None = None) -> None:
        self.apply_updates = apply_updates
        self._model_dir = model_dir
        self._model: M | None = initial
        self._lock = threading.Lock()
        self.generation = 0
        """Models loaded from ``MODEL`` / ``MODEL-REF`` so far; views of the model are rebuilt when it changes."""

    @property
    def model(self) -> M | None:
        """The current model; read it once per question, as a later message may replace it."""
        return self._model

    def fraction_loaded(self) -> float | None:
        return None if self._model is None else 1.0

    def parse_model(self, text: str) -> M:
        raise NotImplementedError

    def apply_update(self, model: M, message: str) -> M:
        raise NotImplementedError

    def describe(self, model: M) -> str:
        """How a newly loaded model is logged."""
        return type(model).__name__

    def consume_key_message(self, key: str | None, message: str) -> None:
        if is_model_key(key):
            model = self.parse_model(model_text(key, message, self._model_dir))
            with self._lock:
                self._model = model
                self.generation += 1
            log.info("New %s model: %s", self.app, self.describe(model))
        elif key == UP:
            if self.apply_updates:
                self.update(lambda model: self.apply_update(model, message))
        else:
            raise ValueError(f"{self.app} model state cannot apply update-topic key {key!r}")

    def update(self, change: Callable[[M], M]) -> M | None:
        """Applies ``change`` to the current model under the writers' lock; nothing before the first model."""
        with self._lock:
            if self._model is None:
                return None
            self._model = change(self._model)
            return self._model

    def close(self) -> None:
        with self._lock:
            self._model = None
