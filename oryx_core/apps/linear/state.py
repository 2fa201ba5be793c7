"""The linear app's model as the update topic builds it, held alike by its speed and serving managers.

``MODEL`` or ``MODEL-REF`` (read only from inside ``oryx.batch.storage.model-dir``) is a ``RegressionModel`` PMML,
checked against ``oryx.input-schema`` and swapped in with one reference assignment: a reader sees the old model or
the new one, never a mix. This app publishes no ``UP``: a ridge fit is a function of all the data, and the batch
layer refits it every generation; an ``UP`` on the topic is someone else's and raises ``ValueError``, so the
follower logs, counts and skips it instead of silently ignoring it.
"""

from __future__ import annotations

import logging

from oryx_core.apps.linear.examples import linear_schema
from oryx_core.apps.linear.model import LinearModel
from oryx_core.apps.linear.pmml import read_linear_pmml
from oryx_core.config import OryxConfig
from oryx_core.topics.model_messages import is_model_key, model_dir_of, model_pmml

__all__ = ["LinearModelState"]

log = logging.getLogger(__name__)


class LinearModelState:
    """The current :class:`LinearModel` (None before the first ``MODEL``) and the schema it reads rows by."""

    def __init__(self, config: OryxConfig) -> None:
        self.schema = linear_schema(config)
        self._model_dir = model_dir_of(config)
        self._model: LinearModel | None = None

    @property
    def model(self) -> LinearModel | None:
        """The current model; read it once per question, as a later message may replace it."""
        return self._model

    def fraction_loaded(self) -> float | None:
        """None without a model; 1.0 with one, since a model arrives whole in one message."""
        return None if self._model is None else 1.0

    def consume_key_message(self, key: str | None, message: str) -> None:
        if not is_model_key(key):
            raise ValueError(f"the linear app publishes no {key!r} messages; only MODEL and MODEL-REF apply")
        model = read_linear_pmml(model_pmml(key, message, self._model_dir), self.schema)
        self._model = model
        log.info("New linear model: intercept %r, coefficients %s", model.intercept, model.coefficients.tolist())

    def close(self) -> None:
        self._model = None
