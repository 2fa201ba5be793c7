"""The linear app's model state (``oryx_core.api.model_state.ModelState``), held alike by its speed manager and
serving.

``MODEL`` or ``MODEL-REF`` (read only from inside ``oryx.batch.storage.model-dir``) is a ``RegressionModel`` PMML,
checked against ``oryx.input-schema`` and swapped in whole. This app publishes no ``UP``: a ridge fit is a function
of all the data, which the batch layer refits every generation. Serving builds the state with
``apply_updates=True``, so an ``UP`` on the topic (someone else's) raises ``ValueError`` and the follower logs,
counts and skips it; the speed layer builds it with ``apply_updates=False`` and ignores ``UP``, as every speed
manager does.
"""

from __future__ import annotations

from oryx_core.api.model_state import ModelState
from oryx_core.apps.linear.examples import linear_schema
from oryx_core.apps.linear.model import LinearModel
from oryx_core.apps.linear.pmml import read_linear_pmml
from oryx_core.config import OryxConfig
from oryx_core.input.schema import InputSchema
from oryx_core.ml.pmml import read_pmml
from oryx_core.storage.model_refs import ModelDirectory
from oryx_core.topics.model_messages import model_dir_of

__all__ = ["LinearState"]


class LinearState(ModelState[LinearModel]):
    app = "linear"

    def __init__(self, schema: InputSchema, model_dir: ModelDirectory | None, *, apply_updates: bool) -> None:
        super().__init__(model_dir, apply_updates=apply_updates)
        self.schema = schema

    @classmethod
    def from_config(cls, config: OryxConfig, *, apply_updates: bool) -> LinearState:
        return cls(linear_schema(config), model_dir_of(config), apply_updates=apply_updates)

    def parse_model(self, text: str) -> LinearModel:
        return read_linear_pmml(read_pmml(text), self.schema)

    def apply_update(self, model: LinearModel, message: str) -> LinearModel:
        raise ValueError("the linear app publishes no UP messages; its model changes only with a new MODEL")

    def describe(self, model: LinearModel) -> str:
        return f"intercept {model.intercept!r}, coefficients {model.coefficients.tolist()}"
