"""Fold-in math, checked against 2-feature examples worked out by hand.

With YᵀY = diag(2, 4) the solver is x = (b1/2, b2/4), and every number below is an exact binary fraction.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from oryx_core.apps.als.foldin import (
    SingularMatrixError,
    Solver,
    SolverCache,
    compute_updated_xu,
    fold_in_anonymous,
    implicit_target,
)
from oryx_core.apps.als.vectors import FeatureVectors

GRAM = np.diag([2.0, 4.0])


@pytest.fixture
def solver() -> Solver:
    return Solver(GRAM)


def vec(*values: float) -> np.ndarray:
    return np.array(values, dtype=np.float32)


@pytest.mark.parametrize(
    ("current", "value", "expected"),
    [
        (0.5, 1.0, 0.75),  # 0.5 + (1/2)·(1 − 0.5)
        (-0.2, 1.0, 0.3),  # a negative estimate counts as 0 for the remaining gap: −0.2 + (1/2)·1
        (0.5, -1.0, 0.25),  # 0.5 + (−1/−2)·(−0.5)
        (2.0, -1.0, 1.5),  # the step down is capped at 1: 2 + (1/2)·(−1)
        (0.0, 3.0, 0.75),  # 0 + (3/4)·1
    ],
)
def test_implicit_target_moves_the_estimate_towards_one_or_zero(current: float, value: float, expected: float) -> None:
    assert implicit_target(current, value) == pytest.approx(expected)


@pytest.mark.parametrize(("current", "value"), [(1.0, 1.0), (1.5, 2.0), (0.0, -1.0), (-0.5, -1.0), (0.5, 0.0)])
def test_implicit_target_declines_when_already_past_the_end_it_pushes_towards(current: float, value: float) -> None:
    assert implicit_target(current, value) is None


def test_solver_solves_the_gram_system(solver: Solver) -> None:
    np.testing.assert_allclose(solver.solve(np.array([1.0, 1.0])), [0.5, 0.25])


def test_solver_solves_several_right_hand_sides_at_once(solver: Solver) -> None:
    np.testing.assert_allclose(solver.solve(np.array([[2.0, 4.0], [4.0, 8.0]])), [[1.0, 2.0], [1.0, 2.0]])


def test_solver_matches_numpy_on_a_general_gram_matrix() -> None:
    y = np.random.default_rng(3).standard_normal((40, 5))
    gram, b = y.T @ y, np.arange(5.0)
    np.testing.assert_allclose(Solver(gram).solve(b), np.linalg.solve(gram, b), rtol=1e-10)


@pytest.mark.parametrize(
    "gram",
    [np.ones((2, 2)), np.zeros((3, 3)), np.array([[1.0, 1.0], [1.0, 1.0 + 1e-7]])],
    ids=["rank-1", "zero", "near-singular"],
)
def test_singular_gram_matrix_raises(gram: np.ndarray) -> None:
    with pytest.raises(SingularMatrixError, match="reduce the number of features"):
        Solver(gram)


def test_singular_error_reports_the_apparent_rank() -> None:
    with pytest.raises(SingularMatrixError) as raised:
        Solver(np.diag([1.0, 1.0, 0.0]))
    assert (raised.value.apparent_rank, raised.value.features) == (2, 3)


def test_small_but_well_conditioned_diagonal_is_not_singular() -> None:
    np.testing.assert_allclose(Solver(np.diag([1.0, 1e-4])).solve(np.array([1.0, 1e-4])), [1.0, 1.0])


def test_implicit_update_of_known_user(solver: Solver) -> None:
    # Qui = 0.5, target 0.75, ΔXu solves diag(2,4)·Δ = (1,1)·0.25 -> (0.125, 0.0625)
    updated = compute_updated_xu(solver, 1.0, vec(0.25, 0.25), vec(1.0, 1.0), implicit=True)
    assert updated is not None and updated.dtype == np.float32
    np.testing.assert_array_equal(updated, [0.375, 0.3125])


def test_implicit_update_of_new_user_starts_from_half_and_returns_the_delta(solver: Solver) -> None:
    # current 0.5 -> target 0.75, but Qui counts as 0: Δ solves diag(2,4)·Δ = (0.75, 0.75)
    updated = compute_updated_xu(solver, 1.0, None, vec(1.0, 1.0), implicit=True)
    np.testing.assert_array_equal(updated, [0.375, 0.1875])


def test_explicit_update_targets_the_rating(solver: Solver) -> None:
    # Qui = 1, target 3: Δ solves diag(2,4)·Δ = (2, 2) -> (1, 0.5)
    updated = compute_updated_xu(solver, 3.0, vec(1.0, 0.0), vec(1.0, 1.0), implicit=False)
    np.testing.assert_array_equal(updated, [2.0, 0.5])


def test_unknown_item_gives_no_update(solver: Solver) -> None:
    assert compute_updated_xu(solver, 1.0, vec(1.0, 0.0), None, implicit=True) is None


def test_declined_implicit_target_gives_no_update(solver: Solver) -> None:
    assert compute_updated_xu(solver, 1.0, vec(1.0, 0.0), vec(1.0, 0.0), implicit=True) is None


def test_nan_value_gives_no_update(solver: Solver) -> None:
    assert compute_updated_xu(solver, float("nan"), vec(1.0, 0.0), vec(1.0, 1.0), implicit=False) is None


def test_anonymous_fold_in_applies_items_in_turn_and_skips_unknown_ones(solver: Solver) -> None:
    # first item: new user -> (0.375, 0.1875); unknown item skipped; second item (1,0): Qui = 0.375,
    # target 0.375 + 0.5·0.625 = 0.6875, Δ solves diag(2,4)·Δ = (0.3125, 0) -> (0.15625, 0)
    items = [(vec(1.0, 1.0), 1.0), (None, 5.0), (vec(1.0, 0.0), 1.0)]
    np.testing.assert_array_equal(fold_in_anonymous(solver, items, implicit=True), [0.53125, 0.1875])


def test_anonymous_fold_in_of_nothing_known_is_none(solver: Solver) -> None:
    assert fold_in_anonymous(solver, [(None, 1.0)], implicit=True) is None


def test_context_fold_in_starts_from_the_users_vector(solver: Solver) -> None:
    folded = fold_in_anonymous(solver, [(vec(1.0, 1.0), 1.0)], implicit=True, xu=vec(0.25, 0.25))
    np.testing.assert_array_equal(folded, [0.375, 0.3125])


def test_solver_cache_blocking_get_computes_from_the_current_vectors() -> None:
    vectors = FeatureVectors(2)
    vectors.set("a", vec(1.0, 0.0))
    vectors.set("b", vec(0.0, 2.0))
    cache = SolverCache(vectors.gram, name="YtY")
    solver = cache.get(blocking=True, timeout=10)
    assert solver is not None
    np.testing.assert_allclose(solver.solve(np.array([1.0, 4.0])), [1.0, 1.0])


def test_solver_cache_recomputes_after_set_dirty() -> None:
    vectors = FeatureVectors(2)
    vectors.set("a", vec(1.0, 0.0))
    vectors.set("b", vec(0.0, 1.0))
    cache = SolverCache(vectors.gram)
    cache.get(blocking=True, timeout=10)
    vectors.set("b", vec(0.0, 2.0))
    cache.set_dirty()
    solver = cache.get(blocking=True, timeout=10)
    assert solver is not None
    np.testing.assert_allclose(solver.solve(np.array([1.0, 4.0])), [1.0, 1.0])


def test_solver_cache_has_no_solver_while_the_gram_matrix_is_singular() -> None:
    vectors = FeatureVectors(2)
    vectors.set("a", vec(1.0, 1.0))
    cache = SolverCache(vectors.gram)
    assert cache.get(blocking=True, timeout=10) is None
    assert isinstance(cache.last_error, SingularMatrixError)


def test_solver_cache_non_blocking_get_does_not_wait_for_a_slow_computation() -> None:
    release = threading.Event()

    def slow_gram() -> np.ndarray:
        release.wait(10)
        return GRAM

    cache = SolverCache(slow_gram)
    assert cache.get(blocking=False) is None
    release.set()
    assert cache.get(blocking=True, timeout=10) is not None
