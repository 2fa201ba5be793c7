"""The one serving model manager for apps whose model is an ``oryx_core`` model state (example, k-means, RDF).

Oryx 2 had one ``ServingModelManager`` per app, each parsing the update topic itself; here the app's model state
(``oryx_core/apps/<app>/state.py``, shared with its speed layer) applies ``MODEL`` / ``MODEL-REF`` / ``UP``, and
this manager only adds what serving needs: a view of the current model for the endpoints. The Oryx 2 class names
users write in ``oryx.serving.model-manager-class`` (``KMeansServingModelManager`` and friends) are tiny bindings
of this class to their app's state and view, in each app's ``manager.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from oryx_core.api.model_state import ModelState
from oryx_core.api.serving import ServingModel
from oryx_core.config import OryxConfig

M = TypeVar("M")
V = TypeVar("V", bound=ServingModel)


class StateServingModelManager(Generic[M, V]):
    """Follows the update topic into ``state`` (built with ``apply_updates=True``: serving applies every ``UP``)
    and answers ``get_model`` with ``view(model)``, one view per model generation (None before any model)."""

    def __init__(self, config: OryxConfig, state: ModelState[M], view: Callable[[M], V]) -> None:
        self.config = config
        self.state = state
        self._make_view = view
        self._view: tuple[int, V] | None = None

    def consume_key_message(self, key: str | None, message: str) -> None:
        self.state.consume_key_message(key, message)

    def get_model(self) -> V | None:
        model = self.state.model
        if model is None:
            return None
        cached = self._view
        generation = self.state.generation
        if cached is None or cached[0] != generation:
            cached = (generation, self._make_view(model))
            self._view = cached
        return cached[1]

    def close(self) -> None:
        self.state.close()
        self._view = None
