"""The k-means model and its distance rule: nearest center by squared Euclidean distance, exact running means.

One rule for every layer. A point belongs to the center with the smallest *squared* Euclidean distance, which is
what the PMML's ``squaredEuclidean`` ComparisonMeasure tells an independent evaluator, and gives the same argmin
as plain Euclidean distance (the square root is monotonic), so batch, speed, serving and any PMML consumer assign
the same cluster. Distances reported to users (``/distanceToNearest``) are plain Euclidean, as in Oryx 2. Ties go
to the lowest index.

Centers are float64, not the float32 used for ALS vectors: the speed layer moves them by running means over
millions of points, and a float32 center would drift from the exact mean that the batch layer would compute.
Models are small (k × features), so the extra width costs nothing measurable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

__all__ = ["ClusterUpdate", "KMeansModel", "as_points", "nearest", "running_mean_updates"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def as_points(points: Sequence[Sequence[float]] | FloatArray, features: int) -> FloatArray:
    """Points as a C-contiguous (n, features) float64 matrix; ValueError naming the width when it differs."""
    matrix = np.ascontiguousarray(points, dtype=np.float64)
    if matrix.ndim == 1:
        matrix = matrix.reshape(1, -1) if matrix.size else matrix.reshape(0, features)
    if matrix.ndim != 2 or matrix.shape[1] != features:
        raise ValueError(f"points have shape {matrix.shape}; expected (n, {features})")
    return matrix


_CHUNK_VALUES = 1 << 20
"""Bounds the points × centers × features handled per step by :func:`nearest`, so memory stays small for bulk
requests and evaluation whatever their size."""


def _squared_distances(centers: FloatArray, points: FloatArray) -> FloatArray:
    """(n, k) squared distances, summed feature by feature in order.

    Not ``|p|² − 2p·c + |c|²`` (its rounding can flip a near tie) nor ``einsum`` (its summation order varies):
    summing in feature order gives bit-for-bit the value of :meth:`KMeansModel.nearest_one`'s loop, and follows
    PMML's definition (a sum over the clustering fields in order), so every path assigns the same cluster.
    """
    total = np.zeros((len(points), len(centers)))
    with np.errstate(over="ignore"):  # beyond ~1e154 a square is +inf, which callers detect (serving: a 400)
        for j in range(centers.shape[1]):
            diff = points[:, j, None] - centers[None, :, j]
            total += diff * diff
    return total


def nearest(centers: FloatArray, points: FloatArray) -> tuple[IntArray, FloatArray]:
    """Index of each point's nearest center and the squared Euclidean distance to it, vectorised.

    Points are processed in chunks so memory stays bounded whatever the batch size; ties go to the lowest index.
    """
    if len(centers) == 0:
        raise ValueError("the model has no clusters")
    index = np.empty(len(points), dtype=np.int64)
    best = np.empty(len(points), dtype=np.float64)
    step = max(1, _CHUNK_VALUES // max(1, centers.size))
    for start in range(0, len(points), step):
        squared = _squared_distances(centers, points[start : start + step])
        chosen = np.argmin(squared, axis=1)
        index[start : start + step] = chosen
        best[start : start + step] = squared[np.arange(len(chosen)), chosen]
    return index, best


@dataclass(frozen=True)
class ClusterUpdate:
    """A cluster's new center and count after the speed layer's running mean: the content of one ``UP``."""

    cluster_id: int
    center: tuple[float, ...]
    count: int


def running_mean_updates(
    centers: FloatArray, counts: IntArray, points: FloatArray
) -> tuple[list[ClusterUpdate], FloatArray, IntArray]:
    """Assigns ``points`` to their nearest centers and moves each touched center to the exact running mean.

    For a cluster with center ``c`` over ``N`` points that receives ``n`` new points of mean ``m``:
    ``c' = c + n/(N+n)·(m − c)`` and ``N' = N + n`` (spec 4.2). Returns the updates (by cluster index, in
    ascending order) and new center and count arrays; the inputs are not modified.
    """
    new_centers, new_counts = centers.copy(), counts.copy()
    if len(points) == 0:
        return [], new_centers, new_counts
    assigned, _ = nearest(centers, points)
    updates = []
    for index in np.unique(assigned):
        members = points[assigned == index]
        n, total = len(members), int(counts[index]) + len(members)
        mean = members.mean(axis=0)
        new_centers[index] = centers[index] + (n / total) * (mean - centers[index])
        new_counts[index] = total
        updates.append(ClusterUpdate(int(index), tuple(float(v) for v in new_centers[index]), total))
    return updates, new_centers, new_counts


@dataclass(frozen=True, eq=False)
class KMeansModel:
    """Cluster IDs, centers (k × features, float64) and the number of points each center summarises.

    Immutable: an update returns a new model (:meth:`with_cluster`), so readers holding the old one are never
    disturbed (the serving layer's copy-on-write).
    """

    ids: tuple[int, ...]
    centers: FloatArray
    counts: IntArray
    _rows: tuple[tuple[float, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.centers.ndim != 2 or len(self.ids) != self.centers.shape[0] or len(self.counts) != len(self.ids):
            raise ValueError(
                f"{len(self.ids)} cluster IDs, centers of shape {self.centers.shape} and {len(self.counts)} counts"
                " do not match"
            )
        if len(set(self.ids)) != len(self.ids):
            raise ValueError(f"cluster IDs must be unique, got {list(self.ids)}")
        self.centers.setflags(write=False)
        self.counts.setflags(write=False)
        # Plain floats for nearest_one: for one point and a small model, a Python loop beats numpy's call overhead.
        object.__setattr__(self, "_rows", tuple(tuple(row) for row in self.centers.tolist()))

    @classmethod
    def of(
        cls, centers: Sequence[Sequence[float]], counts: Sequence[int], ids: Sequence[int] | None = None
    ) -> KMeansModel:
        center_array = np.array(centers, dtype=np.float64, ndmin=2)
        return cls(
            tuple(range(len(center_array))) if ids is None else tuple(int(i) for i in ids),
            center_array,
            np.array(counts, dtype=np.int64),
        )

    @property
    def k(self) -> int:
        return len(self.ids)

    @property
    def features(self) -> int:
        return int(self.centers.shape[1])

    def points(self, points: Sequence[Sequence[float]] | FloatArray) -> FloatArray:
        return as_points(points, self.features)

    def assign(self, points: Sequence[Sequence[float]] | FloatArray) -> list[int]:
        """The cluster ID of each point."""
        index, _ = nearest(self.centers, self.points(points))
        return [self.ids[i] for i in index]

    def distance_to_nearest(self, points: Sequence[Sequence[float]] | FloatArray) -> list[float]:
        """The Euclidean (not squared) distance from each point to its nearest center."""
        _, squared = nearest(self.centers, self.points(points))
        return [float(d) for d in np.sqrt(squared)]

    def nearest_one(self, point: Sequence[float]) -> tuple[int, float]:
        """The cluster ID nearest to one point and the squared distance: :func:`nearest`'s arithmetic, unvectorised."""
        if len(point) != self.features:
            raise ValueError(f"point has {len(point)} values; expected {self.features}")
        best_index, best = -1, math.inf
        for index, row in enumerate(self._rows):
            total = 0.0
            for value, coordinate in zip(point, row, strict=True):
                diff = value - coordinate
                total += diff * diff
            if total < best:
                best_index, best = index, total
        if best_index < 0:  # only NaN distances: argmin's rule, the first center
            best_index, best = 0, math.nan
        return self.ids[best_index], best

    def index_of(self, cluster_id: int) -> int | None:
        try:
            return self.ids.index(cluster_id)
        except ValueError:
            return None

    def with_cluster(self, cluster_id: int, center: Sequence[float], count: int) -> KMeansModel:
        """A copy with cluster ``cluster_id``'s center and count replaced; ValueError for an unknown ID or width."""
        index = self.index_of(cluster_id)
        if index is None:
            raise ValueError(f"no cluster {cluster_id} in the model (its clusters are {list(self.ids)})")
        vector = np.asarray(center, dtype=np.float64)
        if vector.shape != (self.features,):
            raise ValueError(f"cluster {cluster_id}: center has {vector.size} values, expected {self.features}")
        centers, counts = self.centers.copy(), self.counts.copy()
        centers[index], counts[index] = vector, count
        return KMeansModel(self.ids, centers, counts)

    def updated(self, points: Sequence[Sequence[float]] | FloatArray) -> tuple[KMeansModel, list[ClusterUpdate]]:
        """The speed layer's step: the model after the running-mean update, and the ``UP`` contents (by ID)."""
        updates, centers, counts = running_mean_updates(self.centers, self.counts, self.points(points))
        with_ids = [ClusterUpdate(self.ids[u.cluster_id], u.center, u.count) for u in updates]
        return KMeansModel(self.ids, centers, counts), with_ids
