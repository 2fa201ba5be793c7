"""The k-means serving model: the endpoints' view of the shared k-means state's current centers.

Copy-on-write: a request reads the state's reference once and computes on that immutable ``KMeansModel``; an
update (``oryx_core.apps.kmeans.state``) builds a new model (a copy of k × features floats, small) and swaps the
reference. Queries never wait for an update and never see a half-applied one.

A point so far from every center that its squared distance overflows a double (coordinates beyond about 1e154)
cannot be assigned or measured: the distances all read infinite, so any center would be a guess and the distance
would be NaN. Such a point is a ``TooFarError`` (a 400), rather than an arbitrary cluster or a NaN answer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from oryx_core.apps.kmeans.clusters import KMeansModel, nearest
from oryx_core.apps.kmeans.state import KMeansState

TOO_FAR = "too far from every cluster center to measure (its squared distance overflows a double)"


class TooFarError(ValueError):
    """The point at ``index`` (0-based, of the points asked about) has no finite distance to any center."""

    def __init__(self, index: int) -> None:
        super().__init__(TOO_FAR)
        self.index = index


class KMeansServingModel:
    """Assignment and distance queries over the state's current clusters, for the rows of its schema."""

    def __init__(self, state: KMeansState, loaded: KMeansModel) -> None:
        self.schema = state.schema
        self._state = state
        self._loaded = loaded

    def get_fraction_loaded(self) -> float:
        """A MODEL carries every center, so a model that exists is fully loaded."""
        return 1.0

    @property
    def clusters(self) -> KMeansModel:
        """The current immutable model (a snapshot: later updates do not change it); once the state is closed,
        the model this view was made for."""
        current = self._state.model
        return self._loaded if current is None else current

    def assign(self, points: Sequence[Sequence[float]]) -> list[int]:
        """The nearest cluster's ID for each point; TooFarError naming the first point that has none."""
        model = self.clusters
        index, squared = nearest(model.centers, model.points(points))
        unmeasurable = np.flatnonzero(~np.isfinite(squared))
        if unmeasurable.size:
            raise TooFarError(int(unmeasurable[0]))
        return [model.ids[i] for i in index]

    def _nearest_one(self, point: Sequence[float]) -> tuple[int, float]:
        cluster, squared = self.clusters.nearest_one(point)
        if not math.isfinite(squared):
            raise TooFarError(0)
        return cluster, squared

    def assign_one(self, point: Sequence[float]) -> int:
        return self._nearest_one(point)[0]

    def distance_to_nearest_one(self, point: Sequence[float]) -> float:
        """The Euclidean (not squared) distance to the nearest center."""
        return math.sqrt(self._nearest_one(point)[1])
