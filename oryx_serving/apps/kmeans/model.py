"""The k-means serving model: the current centers behind one reference, replaced whole on every update.

Copy-on-write: a request reads the reference once and computes on that immutable ``KMeansModel``; an update
builds a new model (a copy of k × features floats, small) and swaps the reference. Queries never wait for an
update and never see a half-applied one; only updates take the lock, to serialise against each other.

A point so far from every center that its squared distance overflows a double (coordinates beyond about 1e154)
cannot be assigned or measured: the distances all read infinite, so any center would be a guess and the distance
would be NaN. Such a point is a ``TooFarError`` (a 400), rather than an arbitrary cluster or a NaN answer.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

import numpy as np

from oryx_core.apps.kmeans.clusters import ClusterUpdate, KMeansModel, nearest
from oryx_core.input.schema import InputSchema

TOO_FAR = "too far from every cluster center to measure (its squared distance overflows a double)"


class TooFarError(ValueError):
    """The point at ``index`` (0-based, of the points asked about) has no finite distance to any center."""

    def __init__(self, index: int) -> None:
        super().__init__(TOO_FAR)
        self.index = index


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
        """The nearest cluster's ID for each point; TooFarError naming the first point that has none."""
        model = self._model
        index, squared = nearest(model.centers, model.points(points))
        unmeasurable = np.flatnonzero(~np.isfinite(squared))
        if unmeasurable.size:
            raise TooFarError(int(unmeasurable[0]))
        return [model.ids[i] for i in index]

    def _nearest_one(self, point: Sequence[float]) -> tuple[int, float]:
        cluster, squared = self._model.nearest_one(point)
        if not math.isfinite(squared):
            raise TooFarError(0)
        return cluster, squared

    def assign_one(self, point: Sequence[float]) -> int:
        return self._nearest_one(point)[0]

    def distance_to_nearest_one(self, point: Sequence[float]) -> float:
        """The Euclidean (not squared) distance to the nearest center."""
        return math.sqrt(self._nearest_one(point)[1])

    def update(self, update: ClusterUpdate) -> None:
        """Replaces one cluster's center and count; ValueError for an unknown ID or a center of the wrong width."""
        with self._write_lock:
            self._model = self._model.with_cluster(update.cluster_id, update.center, update.count)
