"""Applies the k-means update-topic messages to the serving model (Oryx 2's ``KMeansServingModelManager``).

``MODEL`` (or the file a ``MODEL-REF`` names, only inside the model directory) is a ClusteringModel PMML, checked
against ``oryx.input-schema`` and replacing the model; ``UP [id, center, count]`` replaces one cluster. An ``UP``
before any model is skipped, as Oryx 2 does; anything else raises, so the follower logs and skips it.
"""

from __future__ import annotations

import logging

from oryx_core.apps.kmeans.messages import parse_update
from oryx_core.apps.kmeans.pmml import read_kmeans_pmml
from oryx_core.apps.kmeans.points import kmeans_schema
from oryx_core.config import OryxConfig
from oryx_core.topics.messages import UP
from oryx_core.topics.model_messages import is_model_key, model_dir_of, model_pmml
from oryx_serving.apps.kmeans.model import KMeansServingModel

log = logging.getLogger(__name__)


class KMeansServingModelManager:
    def __init__(self, config: OryxConfig) -> None:
        self.config = config
        self.schema = kmeans_schema(config)
        self._model_dir = model_dir_of(config)
        self._model: KMeansServingModel | None = None

    def consume_key_message(self, key: str | None, message: str) -> None:
        if is_model_key(key):
            clusters = read_kmeans_pmml(model_pmml(key, message, self._model_dir), self.schema)
            self._model = KMeansServingModel(clusters, self.schema)
            log.info("New k-means model with %d clusters of sizes %s", clusters.k, clusters.counts.tolist())
        elif key == UP:
            model = self._model
            if model is None:
                return
            model.update(parse_update(message))
        else:
            raise ValueError(f"k-means serving model manager cannot apply update-topic key {key!r}")

    def get_model(self) -> KMeansServingModel | None:
        return self._model

    def close(self) -> None:
        self._model = None
