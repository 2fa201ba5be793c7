"""Applies the word-count example's update-topic messages to its serving model (Oryx 2's example app).

``MODEL`` is the batch layer's full JSON map and replaces the model (a ``MODEL-REF`` names a file holding it,
read only from inside the model directory); ``UP`` is the speed layer's ``word,count`` and sets that word's
count. An ``UP`` before any ``MODEL`` has nothing to apply to and is skipped, as Oryx 2 does. Anything else
raises, so the follower logs and skips it.
"""

from __future__ import annotations

import logging

from oryx_core.apps.example.words import model_from_json, parse_update
from oryx_core.config import OryxConfig
from oryx_core.topics.messages import UP
from oryx_core.topics.model_messages import is_model_key, model_dir_of, model_text
from oryx_serving.apps.example.model import ExampleServingModel

log = logging.getLogger(__name__)


class ExampleServingModelManager:
    def __init__(self, config: OryxConfig) -> None:
        self.config = config
        self._model_dir = model_dir_of(config)
        self._model: ExampleServingModel | None = None

    def consume_key_message(self, key: str | None, message: str) -> None:
        if is_model_key(key):
            model = ExampleServingModel(model_from_json(model_text(key, message, self._model_dir)))
            self._model = model  # one reference swap: readers see the old map or the new one, never a mix
            log.info("New example model with %d words", len(model))
        elif key == UP:
            model = self._model
            if model is None:
                return
            word, count = parse_update(message)
            model.set_count(word, count)
        else:
            raise ValueError(f"example serving model manager cannot apply update-topic key {key!r}")

    def get_model(self) -> ExampleServingModel | None:
        return self._model

    def close(self) -> None:
        self._model = None
