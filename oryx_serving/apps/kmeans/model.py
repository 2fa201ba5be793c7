"""The k-means serving model: the current centers behind one reference, replaced whole on every update.

Copy-on-write: a request reads the reference once and computes on that immutable ``KMeansModel``; an update
builds a new model (a copy of k × features floats, small) and swaps the reference. Queries never wait for an
update and never see a half-applied one; only updates take the lock, to serialise against each other.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

from oryx_core.apps.kmeans.clusters import ClusterUpdate, KMeansModel
from oryx_core.input.schema import InputSchema


class KMeansServingModel:
    """Assignment and distance queries over the current clusters, for the rows of ``schema``."""

    def __init__(self, model: KMeansModel, schema: InputSchema) -> None:
        self.schema = schema
        self._model = model
        self._write_lock = threading.Lock()

    def get_fraction_loaded(self) -> float:
        """A MODEL carries every center, so a model that exists is fully loaded."""
        return 1.0

    @property
    def clusters(self) -> KMeansModel:
        """The current immutable model (a snapshot: later updates do not change it)."""
        return self._model

    def assign(self, points: Sequence[Sequence[float]]) -> list[int]:
        return self._model.assign(points)

    def assign_one(self, point: Sequence[float]) -> int:
        return self._model.nearest_one(point)[0]

    def distance_to_nearest_one(self, point: Sequence[float]) -> float:
        """The Euclidean (not squared) distance to the nearest center."""
        return math.sqrt(self._model.nearest_one(point)[1])

    def distance_to_nearest(self, points: Sequence[Sequence[float]]) -> list[float]:
        return self._model.distance_to_nearest(points)

    def update(self, update: ClusterUpdate) -> None:
        """Replaces one cluster's center and count; ValueError for an unknown ID or a center of the wrong width."""
        with self._write_lock:
            self._model = self._model.with_cluster(update.cluster_id, update.center, update.count)
