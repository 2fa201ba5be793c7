"""``LinearServingModelManager``: the generic serving manager bound to the linear model state
(``oryx_core.apps.linear.state``), with the small view the endpoints ask for predictions."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from oryx_core.apps.linear.model import LinearModel
from oryx_core.apps.linear.state import LinearState
from oryx_core.config import OryxConfig
from oryx_core.input.schema import InputSchema
from oryx_serving.lambda_.app_manager import StateServingModelManager


class LinearServingModel:
    """One immutable model and the schema its data follow; a newer model gets a new view."""

    def __init__(self, model: LinearModel, schema: InputSchema) -> None:
        self.model = model
        self.schema = schema

    def get_fraction_loaded(self) -> float:
        return 1.0

    def predict(self, rows: Sequence[Sequence[float]]) -> list[float]:
        """One prediction per row of predictor values (in schema order), computed together."""
        if not rows:
            return []
        return [float(v) for v in self.model.predict(np.array(rows, dtype=np.float64))]


class LinearServingModelManager(StateServingModelManager[LinearModel, LinearServingModel]):
    def __init__(self, config: OryxConfig) -> None:
        state = LinearState.from_config(config, apply_updates=True)
        super().__init__(config, state, lambda loaded: LinearServingModel(loaded, state.schema))
