"""Nearest-center assignment and the exact running-mean update that every k-means layer shares."""

from __future__ import annotations

import numpy as np
import pytest

from oryx_core.apps.kmeans.clusters import ClusterUpdate, KMeansModel, nearest

MODEL = KMeansModel.of([[0.0, 0.0], [10.0, 0.0]], [4, 2], ids=[7, 3])


def test_points_go_to_the_center_with_the_smallest_squared_distance() -> None:
    assert MODEL.assign([[1.0, 1.0], [9.0, -2.0], [4.9, 0.0]]) == [7, 3, 7]


def test_ties_go_to_the_first_center() -> None:
    assert MODEL.assign([[5.0, 3.0]]) == [7]


def test_distance_to_nearest_is_euclidean_not_squared() -> None:
    assert MODEL.distance_to_nearest([[3.0, 4.0], [10.0, -2.0]]) == [5.0, 2.0]


def test_nearest_matches_brute_force_on_many_points_in_chunks() -> None:
    rng = np.random.default_rng(3)
    centers, points = rng.normal(size=(6, 5)), rng.normal(size=(50_000, 5))
    index, squared = nearest(centers, points)
    brute = ((points[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    assert np.array_equal(index, brute.argmin(axis=1))
    assert np.allclose(squared, brute.min(axis=1), rtol=0, atol=1e-12)


def test_single_point_path_is_bit_for_bit_the_vectorised_one() -> None:
    rng = np.random.default_rng(4)
    model = KMeansModel.of(rng.normal(size=(5, 7)).tolist(), [1] * 5)
    # Half the points sit midway between two centers, where summation order could flip the winner.
    mids = (model.centers[0] + model.centers[1]) / 2 + rng.normal(scale=1e-15, size=(500, 7))
    points = np.vstack([rng.normal(size=(500, 7)), mids])
    index, squared = nearest(model.centers, points)
    singles = [model.nearest_one(p.tolist()) for p in points]
    assert [s[0] for s in singles] == [model.ids[i] for i in index]
    assert [s[1] for s in singles] == squared.tolist()


def test_wrong_width_is_refused_with_the_expected_width() -> None:
    with pytest.raises(ValueError, match=r"expected \(n, 2\)"):
        MODEL.assign([[1.0, 2.0, 3.0]])


def test_running_mean_moves_the_center_to_the_exact_mean_of_old_and_new_points() -> None:
    # Cluster 7 summarises 4 points with mean (0, 0); two new points of mean (3, 6) give mean (1, 2) over 6.
    updated, updates = MODEL.updated([[2.0, 5.0], [4.0, 7.0]])
    assert updates == [ClusterUpdate(7, (1.0, 2.0), 6)]
    assert updated.centers.tolist() == [[1.0, 2.0], [10.0, 0.0]]
    assert updated.counts.tolist() == [6, 2]
    assert MODEL.centers.tolist() == [[0.0, 0.0], [10.0, 0.0]], "the original model is untouched"


def test_running_mean_updates_every_touched_cluster_once() -> None:
    _, updates = MODEL.updated([[11.0, 0.0], [12.0, 3.0], [-1.0, 0.0]])
    assert updates == [ClusterUpdate(7, (-0.2, 0.0), 5), ClusterUpdate(3, (10.75, 0.75), 4)]


def test_running_mean_of_a_cluster_with_no_points_is_the_new_mean() -> None:
    empty = KMeansModel.of([[5.0, 5.0]], [0])
    _, updates = empty.updated([[1.0, 2.0], [3.0, 4.0]])
    assert updates == [ClusterUpdate(0, (2.0, 3.0), 2)]


def test_with_cluster_replaces_one_cluster_in_a_copy() -> None:
    replaced = MODEL.with_cluster(3, [8.0, 1.0], 9)
    assert replaced.centers.tolist() == [[0.0, 0.0], [8.0, 1.0]]
    assert replaced.counts.tolist() == [4, 9]
    assert MODEL.centers.tolist()[1] == [10.0, 0.0]


def test_with_cluster_refuses_an_unknown_id() -> None:
    with pytest.raises(ValueError, match="no cluster 11"):
        MODEL.with_cluster(11, [1.0, 1.0], 1)


def test_model_arrays_are_read_only() -> None:
    with pytest.raises(ValueError):
        MODEL.centers[0, 0] = 1.0
