"""``ExampleServingModelManager`` (Oryx 2's class name, kept for users' configs): the generic serving manager bound
to the word-count example's model state (``oryx_core.apps.example.state``)."""

from __future__ import annotations

from oryx_core.apps.example.state import ExampleState, WordCounts
from oryx_core.config import OryxConfig
from oryx_serving.apps.example.model import ExampleServingModel
from oryx_serving.lambda_.app_manager import StateServingModelManager


class ExampleServingModelManager(StateServingModelManager[WordCounts, ExampleServingModel]):
    def __init__(self, config: OryxConfig) -> None:
        super().__init__(config, ExampleState.from_config(config, apply_updates=True), ExampleServingModel)
