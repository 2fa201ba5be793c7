"""The biased vector layout: where factors and biases live, what fold-in may move, priors and clipping."""

from __future__ import annotations

import numpy as np
import pytest

from oryx_core.apps.als.foldin import Solver, compute_updated_xu, fold_in_anonymous, restricted_gram
from oryx_core.apps.als.layout import VectorLayout
from oryx_core.apps.als.lsh import LocalitySensitiveHash
from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml, read_als_pmml
from oryx_core.apps.als.vectors import FeatureVectors
from oryx_core.ml.pmml import PMMLError, add_extension, pmml_skeleton

BIASED = VectorLayout(4, biased=True, global_mean=3.0, rating_range=(1.0, 5.0))


def test_a_biased_layout_keeps_two_factors_and_moves_everything_but_the_constant_ones() -> None:
    assert BIASED.factors == 2
    assert BIASED.user_free.tolist() == [0, 1, 2]  # factors and mu + b_u; index 3 is the constant 1
    assert BIASED.item_free.tolist() == [0, 1, 3]  # factors and b_i; index 2 is the constant 1
    assert BIASED.user_prior().tolist() == [0.0, 0.0, 3.0, 1.0]
    assert BIASED.item_prior().tolist() == [0.0, 0.0, 1.0, 0.0]
    # a new user meets a new item at the global mean
    assert BIASED.user_prior() @ BIASED.item_prior() == 3.0


def test_the_plain_layout_is_oryx_2s() -> None:
    plain = VectorLayout.plain(3)
    assert (plain.factors, plain.user_free.tolist(), plain.item_free.tolist()) == (3, [0, 1, 2], [0, 1, 2])
    assert plain.user_prior().tolist() == plain.item_prior().tolist() == [0.0, 0.0, 0.0]
    assert plain.clip(7.5) == 7.5


@pytest.mark.parametrize(("estimate", "clipped"), [(0.2, 1.0), (3.3, 3.3), (6.0, 5.0)])
def test_explicit_estimates_clip_to_the_rating_range(estimate: float, clipped: float) -> None:
    assert BIASED.clip(estimate) == clipped


def test_dot_products_of_biased_vectors_are_factors_plus_mean_plus_biases() -> None:
    user = np.array([1.0, 2.0, 3.0 + 0.5, 1.0])  # b_u = 0.5
    item = np.array([0.5, -1.0, 1.0, -0.25])  # b_i = -0.25
    assert user @ item == pytest.approx((0.5 - 2.0) + 3.0 + 0.5 - 0.25)
    assert BIASED.factor_part(user).tolist() == [1.0, 2.0]


def test_fold_in_of_a_new_user_starts_at_the_mean_and_keeps_the_constant_coordinate() -> None:
    items = np.array([[1.0, 0.0, 1.0, 0.5], [0.0, 1.0, 1.0, -0.5], [1.0, 1.0, 1.0, 0.0]])
    solver = Solver(restricted_gram(items.T @ items, BIASED.user_free))
    new_user = compute_updated_xu(
        solver, 5.0, None, items[0], implicit=False, free=BIASED.user_free, prior=BIASED.user_prior()
    )
    assert new_user is not None
    assert new_user[3] == 1.0  # the constant never moves
    # the estimate for the item moves from the prior's 3.5 towards 5
    assert 3.5 < float(new_user @ items[0]) <= 5.0 + 1e-6
    # and the move is the least-squares step on the free coordinates only
    expected = BIASED.user_prior()
    expected[BIASED.user_free] += np.linalg.solve((items[:, :3].T @ items[:, :3]), items[0, :3] * (5.0 - 3.5))
    np.testing.assert_allclose(new_user, expected, rtol=1e-6, atol=1e-6)


def test_fold_in_of_an_item_moves_its_bias_not_its_constant() -> None:
    users = np.array([[1.0, 0.0, 3.0, 1.0], [0.0, 1.0, 2.5, 1.0], [1.0, 1.0, 3.5, 1.0]])
    solver = Solver(restricted_gram(users.T @ users, BIASED.item_free))
    item = np.array([0.5, 0.5, 1.0, 0.0])
    updated = compute_updated_xu(solver, 1.0, item, users[0], implicit=False, free=BIASED.item_free)
    assert updated is not None
    assert updated[2] == 1.0
    assert updated[3] < 0.0  # rated below the estimate: the item's bias drops


def test_anonymous_fold_in_starts_from_the_prior() -> None:
    items = np.eye(4)[:3] + np.array([0.0, 0.0, 1.0, 0.0])
    solver = Solver(restricted_gram(items.T @ items + np.eye(4), BIASED.user_free))
    folded = fold_in_anonymous(solver, [(None, 4.0)], implicit=False, free=BIASED.user_free, prior=BIASED.user_prior())
    assert folded is None  # nothing known to fold in: no vector at all, as for a plain model


def test_lsh_hashes_only_the_factor_coordinates() -> None:
    lsh = LocalitySensitiveHash(0.3, 6, seed=1, hashed_features=4)
    assert np.all(lsh.hash_vectors[:, 4:] == 0.0)
    base = np.array([0.3, -1.0, 0.7, 0.2, 0.0, 0.0], dtype=np.float32)
    shifted = base + np.array([0, 0, 0, 0, 50.0, -80.0], dtype=np.float32)  # biases change, direction does not
    assert lsh.hash_vector(base) == lsh.hash_vector(shifted)


def test_cosine_scans_compare_only_the_factor_coordinates() -> None:
    vectors = FeatureVectors(4, cosine_features=2)
    vectors.set("liked", np.array([1.0, 1.0, 1.0, 2.0]))
    vectors.set("disliked_twin", np.array([2.0, 2.0, 1.0, -2.0]))  # same direction of taste, other bias
    vectors.set("other", np.array([1.0, -1.0, 1.0, 2.0]))
    ranked = vectors.top_n_cosine(np.array([1.0, 1.0, 1.0, 9.0]), 3)
    assert [id_ for id_, _ in ranked] == ["liked", "disliked_twin", "other"]
    assert ranked[0][1] == pytest.approx(1.0) and ranked[1][1] == pytest.approx(1.0)
    assert ranked[2][1] == pytest.approx(0.0)


def test_biased_pmml_round_trips_with_its_mean_and_rating_range() -> None:
    description = ALSModelDescription(
        4,
        implicit=False,
        lambda_=0.1,
        x_ids=("u",),
        y_ids=("i",),
        biased=True,
        global_mean=3.25,
        rating_range=(0.5, 5.0),
    )
    read = read_als_pmml(build_als_pmml(description))
    assert (read.features, read.biased, read.global_mean, read.rating_range) == (4, True, 3.25, (0.5, 5.0))
    assert read.layout == VectorLayout(4, biased=True, global_mean=3.25, rating_range=(0.5, 5.0))


def test_an_oryx_2_model_reads_as_plain_and_unclipped() -> None:
    read = read_als_pmml(build_als_pmml(ALSModelDescription(3, implicit=False)))
    assert (read.biased, read.rating_range, read.layout) == (False, None, VectorLayout.plain(3))


@pytest.mark.parametrize(
    ("extensions", "message"),
    [
        ({"features": 2, "biases": True}, "must exceed 2"),
        ({"features": 4, "minRating": 5, "maxRating": 1}, "minRating 5.0 exceeds its maxRating 1.0"),
        ({"features": 4, "biases": True, "globalMean": "NaN"}, "globalMean"),
    ],
)
def test_malformed_bias_extensions_are_pmml_errors(extensions: dict[str, object], message: str) -> None:
    root = pmml_skeleton()
    for name, value in extensions.items():
        add_extension(root, name, value)
    with pytest.raises(PMMLError, match=message):
        read_als_pmml(root)
