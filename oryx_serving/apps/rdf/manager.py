"""Applies the update topic to the RDF serving model (Oryx 2's ``RDFServingModelManager``).

``MODEL`` / ``MODEL-REF`` replace the model after a check against ``oryx.input-schema`` (same columns, kinds and
mining function); ``UP`` folds a speed-layer delta into one leaf. An ``UP`` before any model is skipped, as in
Oryx 2; a malformed one, or one naming a node the model lacks, raises and the follower logs and skips it.
"""

from __future__ import annotations

import logging

from oryx_core.apps.rdf.pmml import forest_from_pmml
from oryx_core.apps.rdf.updates import parse_update
from oryx_core.config import OryxConfig
from oryx_core.input.schema import InputSchema
from oryx_core.topics.messages import UP
from oryx_core.topics.model_messages import is_model_key, model_dir_of, model_pmml
from oryx_serving.apps.rdf.model import RDFServingModel

log = logging.getLogger(__name__)


class RDFServingModelManager:
    def __init__(self, config: OryxConfig) -> None:
        self.config = config
        self.schema = InputSchema.from_config(config)
        self._model_dir = model_dir_of(config)
        self._model: RDFServingModel | None = None

    def consume_key_message(self, key: str | None, message: str) -> None:
        if is_model_key(key):
            forest, encodings = forest_from_pmml(model_pmml(key, message, self._model_dir), self.schema)
            self._model = RDFServingModel(forest, encodings)  # one reference swap
            log.info("New RDF model with %d tree(s)", len(forest.trees))
        elif key == UP:
            model = self._model
            if model is None:
                return
            model.apply([parse_update(message)])
        else:
            raise ValueError(f"RDF serving model manager cannot apply update-topic key {key!r}")

    def get_model(self) -> RDFServingModel | None:
        return self._model

    def close(self) -> None:
        self._model = None
