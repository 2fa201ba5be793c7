"""The k-means model state, shared by the speed manager and serving (Oryx 2's two k-means model managers).

``MODEL`` (or the file a ``MODEL-REF`` names) is a ClusteringModel PMML, checked against ``oryx.input-schema``,
and replaces the model; ``UP [id, center, count]`` replaces one cluster, in serving. The speed layer ignores
``UP``, its own included, because its running means already hold them (Oryx 2's ``KMeansSpeedModelManager``:
"hearing our own updates"); it moves centers itself with :meth:`KMeansState.advance`.

The model is immutable (``KMeansModel``): an update swaps in a new one under the writers' lock, so a query reading
the reference once computes on one consistent model and never waits for an update.
"""

from __future__ import annotations

from collections.abc import Sequence

from oryx_core.api.model_state import ModelState
from oryx_core.apps.kmeans.clusters import ClusterUpdate, KMeansModel
from oryx_core.apps.kmeans.messages import parse_update
from oryx_core.apps.kmeans.pmml import read_kmeans_pmml
from oryx_core.apps.kmeans.points import kmeans_schema
from oryx_core.config import OryxConfig
from oryx_core.input.schema import InputSchema
from oryx_core.ml.pmml import read_pmml
from oryx_core.storage.model_refs import ModelDirectory
from oryx_core.topics.model_messages import model_dir_of


class KMeansState(ModelState[KMeansModel]):
    app = "k-means"

    def __init__(self, schema: InputSchema, model_dir: ModelDirectory | None, *, apply_updates: bool) -> None:
        super().__init__(model_dir, apply_updates=apply_updates)
        self.schema = schema

    @classmethod
    def from_config(cls, config: OryxConfig, *, apply_updates: bool) -> KMeansState:
        return cls(kmeans_schema(config), model_dir_of(config), apply_updates=apply_updates)

    def parse_model(self, text: str) -> KMeansModel:
        return read_kmeans_pmml(read_pmml(text), self.schema)

    def apply_update(self, model: KMeansModel, message: str) -> KMeansModel:
        """ValueError for a malformed update, an unknown cluster ID or a center of the wrong width."""
        update = parse_update(message)
        return model.with_cluster(update.cluster_id, update.center, update.count)

    def describe(self, model: KMeansModel) -> str:
        return f"{model.k} clusters of sizes {model.counts.tolist()}"

    def advance(self, points: Sequence[Sequence[float]]) -> list[ClusterUpdate] | None:
        """The speed layer's step: moves the touched centers to the running means of ``points``; the updates made,
        or None when there is no model yet."""
        made: list[ClusterUpdate] = []

        def step(model: KMeansModel) -> KMeansModel:
            updated, updates = model.updated(points)
            made.extend(updates)
            return updated

        return made if self.update(step) is not None else None
