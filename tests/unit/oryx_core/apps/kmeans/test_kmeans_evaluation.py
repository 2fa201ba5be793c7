"""The four evaluation strategies on small clusterings with values worked out by hand or by brute force."""

from __future__ import annotations

import math

import numpy as np
import pytest

from oryx_core.apps.kmeans.evaluation import (
    ClusterStats,
    EvaluationStrategy,
    cluster_stats,
    clustering_metrics,
    evaluation_value,
    score_of,
    silhouette,
)

CENTERS = np.array([[0.0, 0.0], [10.0, 0.0]])
POINTS = np.array([[-1.0, 0.0], [1.0, 0.0], [10.0, 1.0], [10.0, -1.0]])


def brute_force_silhouette(centers: np.ndarray, points: np.ndarray) -> float:
    labels = [int(np.argmin(((centers - p) ** 2).sum(axis=1))) for p in points]
    total = 0.0
    for i, p in enumerate(points):

        def mean_to(cluster: int, point: np.ndarray = p, me: int = i) -> float:
            others = [np.linalg.norm(point - q) for j, q in enumerate(points) if labels[j] == cluster and j != me]
            return sum(others) / len(others)

        if labels.count(labels[i]) == 1:
            continue
        a = mean_to(labels[i])
        b = min(mean_to(c) for c in set(labels) if c != labels[i])
        total += (b - a) / max(a, b)
    return total / len(points)


def value(strategy: EvaluationStrategy, points: np.ndarray = POINTS) -> float:
    return evaluation_value(strategy, CENTERS, cluster_stats(CENTERS, points), points)


def test_sse_is_negated_sum_of_squared_distances() -> None:
    assert value(EvaluationStrategy.SSE) == -4.0


def test_davies_bouldin_is_negated() -> None:
    # Both scatters are 1 and the centers are 10 apart: DB = (1 + 1) / 10.
    assert value(EvaluationStrategy.DAVIES_BOULDIN) == pytest.approx(-0.2)


def test_dunn_is_min_center_distance_over_max_scatter() -> None:
    points = np.vstack([POINTS, [[0.0, 3.0]]])  # cluster 0 scatter becomes (1 + 1 + 3) / 3
    assert value(EvaluationStrategy.DUNN, points) == pytest.approx(10.0 / (5.0 / 3.0))


def test_silhouette_matches_the_definition() -> None:
    expected = brute_force_silhouette(CENTERS, POINTS)
    assert value(EvaluationStrategy.SILHOUETTE) == pytest.approx(expected)
    assert 0.7 < expected < 1.0


def test_silhouette_matches_brute_force_on_random_points_across_chunks() -> None:
    rng = np.random.default_rng(5)
    centers, points = rng.normal(size=(4, 3)), rng.normal(size=(300, 3))
    assert silhouette(centers, points) == pytest.approx(brute_force_silhouette(centers, points))


def test_singleton_clusters_contribute_zero_to_the_silhouette() -> None:
    points = np.array([[0.0, 0.0], [0.5, 0.0], [10.0, 0.0]])
    a, b = 0.5, 10.0
    expected = ((b - a) / b + (9.5 - a) / 9.5 + 0.0) / 3
    assert silhouette(CENTERS, points) == pytest.approx(expected)


def test_partial_stats_merge_to_the_stats_of_all_points() -> None:
    merged = cluster_stats(CENTERS, POINTS[:3]).merge(cluster_stats(CENTERS, POINTS[3:]))
    whole = cluster_stats(CENTERS, POINTS)
    assert merged.counts.tolist() == whole.counts.tolist() == [2, 2]
    assert merged.squared_sums.tolist() == whole.squared_sums.tolist()


def test_no_points_give_nan() -> None:
    assert math.isnan(evaluation_value(EvaluationStrategy.SSE, CENTERS, ClusterStats.empty(2)))


@pytest.mark.parametrize("strategy", list(EvaluationStrategy))
def test_reported_metrics_are_unsigned_and_give_back_the_strategy_score(strategy: EvaluationStrategy) -> None:
    stats = cluster_stats(CENTERS, POINTS)
    metrics = clustering_metrics(strategy, CENTERS, stats, POINTS)
    # Every point is 1 from its center: inertia 4; scatter 1 each, centers 10 apart: DB 0.2, Dunn 10.
    own = {EvaluationStrategy.DAVIES_BOULDIN: {"davies_bouldin": 0.2}, EvaluationStrategy.DUNN: {"dunn": 10.0}}
    assert metrics == {
        "inertia": 4.0,
        "silhouette": pytest.approx(silhouette(CENTERS, POINTS)),
        **{name: pytest.approx(value) for name, value in own.get(strategy, {}).items()},
    }
    assert score_of(strategy, metrics) == pytest.approx(evaluation_value(strategy, CENTERS, stats, POINTS))
