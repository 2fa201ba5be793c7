"""``KMeansServingModelManager`` (Oryx 2's class name, kept for users' configs): the generic serving manager bound
to the k-means model state (``oryx_core.apps.kmeans.state``)."""

from __future__ import annotations

from oryx_core.apps.kmeans.clusters import KMeansModel
from oryx_core.apps.kmeans.state import KMeansState
from oryx_core.config import OryxConfig
from oryx_serving.apps.kmeans.model import KMeansServingModel
from oryx_serving.lambda_.app_manager import StateServingModelManager


class KMeansServingModelManager(StateServingModelManager[KMeansModel, KMeansServingModel]):
    def __init__(self, config: OryxConfig) -> None:
        state = KMeansState.from_config(config, apply_updates=True)
        super().__init__(config, state, lambda loaded: KMeansServingModel(state, loaded))
