"""``RDFServingModelManager`` (Oryx 2's class name, kept for users' configs): the generic serving manager bound to
the random decision forest model state (``oryx_core.apps.rdf.state``), with the compiled forest for bulk requests."""

from __future__ import annotations

from oryx_core.apps.rdf.state import ForestModel, RDFState
from oryx_core.config import OryxConfig
from oryx_serving.apps.rdf.model import RDFServingModel
from oryx_serving.lambda_.app_manager import StateServingModelManager


class RDFServingModelManager(StateServingModelManager[ForestModel, RDFServingModel]):
    def __init__(self, config: OryxConfig) -> None:
        super().__init__(config, RDFState.from_config(config, apply_updates=True, compiled=True), RDFServingModel)
