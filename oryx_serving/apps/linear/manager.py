"""The linear app's serving model manager: the shared model state (``oryx_core.apps.linear.state``), answered
through a small serving model that the endpoints ask for predictions."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from oryx_core.apps.linear.model import LinearModel
from oryx_core.apps.linear.state import LinearModelState
from oryx_core.input.schema import InputSchema


class LinearServingModel:
    """One immutable model and the schema its data follow; a newer model is a new object."""

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


class LinearServingModelManager(LinearModelState):
    """The shared model state (``MODEL`` swaps it), asked by the endpoints through ``get_model``."""

    def get_model(self) -> LinearServingModel | None:
        model = self.model
        return None if model is None else LinearServingModel(model, self.schema)
