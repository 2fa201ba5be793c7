"""The four k-means quality metrics of ``oryx.kmeans.evaluation-strategy``, with Oryx 2's sign conventions, and the
figures a user compares clusterings by.

Evaluation runs on the union of training and test points, with Euclidean distance (spec 4.2). The batch layer
computes :class:`ClusterStats` per Spark partition and merges them (SSE, Davies-Bouldin and Dunn need nothing
else), and computes the silhouette on a sample of points collected to the driver, because it compares every pair
of points: at most :data:`SILHOUETTE_SAMPLE` when it is the strategy (Oryx 2's cap), at most
:data:`METRIC_SILHOUETTE_SAMPLE` when it is only reported. The ML tier keeps the candidate with the highest value,
so error-like metrics are negated: SSE and Davies-Bouldin give ``-value``, Dunn and the silhouette the value itself.

:func:`clustering_metrics` gives the usual, unsigned figures: ``inertia`` (scikit-learn's name for the SSE),
``silhouette``, and the strategy's own value when it is neither (``davies_bouldin``, ``dunn``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from oryx_core.apps.kmeans.clusters import FloatArray, IntArray, nearest

__all__ = [
    "METRIC_SILHOUETTE_SAMPLE",
    "SILHOUETTE_SAMPLE",
    "ClusterStats",
    "EvaluationStrategy",
    "cluster_stats",
    "clustering_metrics",
    "davies_bouldin",
    "dunn",
    "evaluation_value",
    "score_of",
    "silhouette",
    "sum_squared_error",
]

SILHOUETTE_SAMPLE = 100_000
"""Oryx 2's cap on the points the silhouette is computed over (it is quadratic in their number)."""

METRIC_SILHOUETTE_SAMPLE = 10_000
"""Most points the reported silhouette is computed over when another strategy scores the model: a few seconds, and
a standard error of about 0.01 on the mean silhouette, which is enough to compare models by."""

_CHUNK_VALUES = 1 << 22
"""Most pairwise distances the silhouette holds at once (32 MiB)."""


class EvaluationStrategy(StrEnum):
    """``oryx.kmeans.evaluation-strategy`` values."""

    SILHOUETTE = "SILHOUETTE"
    DAVIES_BOULDIN = "DAVIES_BOULDIN"
    DUNN = "DUNN"
    SSE = "SSE"

    @property
    def needs_sample(self) -> bool:
        return self is EvaluationStrategy.SILHOUETTE


@dataclass(frozen=True)
class ClusterStats:
    """Per cluster (by center index): points assigned, sum of their distances and of their squared distances."""

    counts: IntArray
    distance_sums: FloatArray
    squared_sums: FloatArray

    @classmethod
    def empty(cls, k: int) -> ClusterStats:
        return cls(np.zeros(k, dtype=np.int64), np.zeros(k), np.zeros(k))

    def merge(self, other: ClusterStats) -> ClusterStats:
        """Sums two partial results (e.g. of two Spark partitions)."""
        return ClusterStats(
            self.counts + other.counts,
            self.distance_sums + other.distance_sums,
            self.squared_sums + other.squared_sums,
        )

    @property
    def mean_distances(self) -> FloatArray:
        """Each cluster's scatter: the mean distance of its points to its center (0 for an empty cluster)."""
        return np.divide(self.distance_sums, self.counts, out=np.zeros_like(self.distance_sums), where=self.counts > 0)


def cluster_stats(centers: FloatArray, points: FloatArray) -> ClusterStats:
    """The statistics of ``points`` assigned to their nearest of ``centers``."""
    k = len(centers)
    if len(points) == 0:
        return ClusterStats.empty(k)
    index, squared = nearest(centers, points)
    return ClusterStats(
        np.bincount(index, minlength=k).astype(np.int64),
        np.bincount(index, weights=np.sqrt(squared), minlength=k),
        np.bincount(index, weights=squared, minlength=k),
    )


def sum_squared_error(stats: ClusterStats) -> float:
    """Sum over all points of the squared distance to the nearest center (lower is better)."""
    return float(stats.squared_sums.sum())


def _center_distances(centers: FloatArray) -> FloatArray:
    diff = centers[:, None, :] - centers[None, :, :]
    return np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))


def davies_bouldin(centers: FloatArray, stats: ClusterStats) -> float:
    """Mean over clusters i of max over j ≠ i of (scatter_i + scatter_j) / d(c_i, c_j) (lower is better).

    Two coincident centers give infinity; a single cluster gives 0 (nothing to compare with).
    """
    k = len(centers)
    if k < 2:
        return 0.0
    scatter = stats.mean_distances
    distances = _center_distances(centers)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = (scatter[:, None] + scatter[None, :]) / distances
    np.fill_diagonal(ratios, -np.inf)
    ratios = np.where(np.isnan(ratios), np.inf, ratios)
    return float(ratios.max(axis=1).mean())


def dunn(centers: FloatArray, stats: ClusterStats) -> float:
    """Smallest center-to-center distance over the largest scatter (higher is better); NaN for one cluster."""
    k = len(centers)
    if k < 2:
        return math.nan
    distances = _center_distances(centers)
    smallest = float(distances[np.triu_indices(k, 1)].min())
    largest = float(stats.mean_distances.max())
    if largest == 0.0:
        return math.inf if smallest > 0.0 else math.nan
    return smallest / largest


def silhouette(centers: FloatArray, points: FloatArray) -> float:
    """Mean silhouette of ``points`` (already sampled) under nearest-center assignment, in [-1, 1].

    For a point in cluster A: a = mean distance to the other points of A, b = the smallest mean distance to the
    points of another non-empty cluster, s = (b − a) / max(a, b). Points of singleton clusters score 0, as in
    Oryx 2. NaN when there are no points.
    """
    n = len(points)
    if n == 0:
        return math.nan
    labels, _ = nearest(centers, points)
    k = len(centers)
    sizes = np.bincount(labels, minlength=k)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), labels] = 1.0
    norms = (points * points).sum(axis=1)
    step = max(1, _CHUNK_VALUES // n)
    total = 0.0
    for start in range(0, n, step):
        chunk = points[start : start + step]
        squared = norms[start : start + step, None] - 2.0 * (chunk @ points.T) + norms[None, :]
        sums = np.sqrt(np.maximum(squared, 0.0)) @ onehot
        total += _chunk_silhouette(sums, labels[start : start + step], sizes)
    return total / n


def _chunk_silhouette(sums: FloatArray, labels: IntArray, sizes: IntArray) -> float:
    """Sum of silhouettes for a chunk, from each point's summed distance to every cluster's points."""
    rows = np.arange(len(labels))
    own = sizes[labels]
    with np.errstate(divide="ignore", invalid="ignore"):
        a = sums[rows, labels] / (own - 1)
        means = sums / sizes[None, :]
    means[rows, labels] = np.inf
    means[:, sizes == 0] = np.inf
    b = means.min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = (b - a) / np.maximum(a, b)
    # Singletons, a point with no other non-empty cluster, and a = b = 0 all contribute 0.
    s = np.where((own <= 1) | ~np.isfinite(b) | ~np.isfinite(s), 0.0, s)
    return float(s.sum())


def evaluation_value(
    strategy: EvaluationStrategy, centers: FloatArray, stats: ClusterStats, sample: FloatArray | None = None
) -> float:
    """The candidate's score, higher is better: −SSE, −DB, Dunn, or the silhouette of ``sample``."""
    if int(stats.counts.sum()) == 0:
        return math.nan
    if strategy is EvaluationStrategy.SSE:
        return -sum_squared_error(stats)
    if strategy is EvaluationStrategy.DAVIES_BOULDIN:
        return -davies_bouldin(centers, stats)
    if strategy is EvaluationStrategy.DUNN:
        return dunn(centers, stats)
    if sample is None:
        raise ValueError("the SILHOUETTE evaluation needs a sample of points")
    return silhouette(centers, sample)


def clustering_metrics(
    strategy: EvaluationStrategy, centers: FloatArray, stats: ClusterStats, sample: FloatArray
) -> dict[str, float]:
    """``inertia`` (of all points in ``stats``), ``silhouette`` (of ``sample``) and, for the Davies-Bouldin and
    Dunn strategies, their value, each with its usual sign."""
    metrics = {"inertia": sum_squared_error(stats), "silhouette": silhouette(centers, sample)}
    if strategy is EvaluationStrategy.DAVIES_BOULDIN:
        metrics["davies_bouldin"] = davies_bouldin(centers, stats)
    elif strategy is EvaluationStrategy.DUNN:
        metrics["dunn"] = dunn(centers, stats)
    return metrics


def score_of(strategy: EvaluationStrategy, metrics: dict[str, float]) -> float:
    """The candidate's score from :func:`clustering_metrics`, with Oryx 2's sign (as :func:`evaluation_value`)."""
    if strategy is EvaluationStrategy.SSE:
        return -metrics["inertia"]
    if strategy is EvaluationStrategy.DAVIES_BOULDIN:
        return -metrics["davies_bouldin"]
    if strategy is EvaluationStrategy.DUNN:
        return metrics["dunn"]
    return metrics["silhouette"]
