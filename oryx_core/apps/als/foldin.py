"""Oryx 2's fold-in: moving one user (or item) vector towards a new interaction without retraining.

The speed layer folds each aggregated (user, item, value) into X and Y, and the serving layer folds request
items into a temporary user vector for ``/recommendToAnonymous``, ``/estimateForAnonymous`` and
``/recommendWithContext``. Both must do the same arithmetic, so it lives here once.

For a user u and item i with vectors Xu and Yi the current estimate is Qui = Xu·Yi. A target Qui' is chosen
(the rating itself when explicit, a step towards 1 or 0 when implicit), and the smallest change ΔXu in the
least-squares sense that moves Qui to Qui' solves (YᵀY)·ΔXu = Yi·(Qui' − Qui). Item vectors are updated
symmetrically with XᵀX.

A biased model (``oryx_core.apps.als.layout``) moves only a vector's free coordinates: the system is the Gram
matrix restricted to them (``restricted_gram``) and the right-hand side Yi's matching coordinates, and an
unknown vector starts from its prior (a new user at the global mean) rather than zero.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

import numpy as np

__all__ = [
    "SINGULARITY_THRESHOLD_RATIO",
    "SingularMatrixError",
    "Solver",
    "SolverCache",
    "compute_updated_xu",
    "fold_in_anonymous",
    "implicit_target",
    "restricted_gram",
]

log = logging.getLogger(__name__)

SINGULARITY_THRESHOLD_RATIO = 1e-5
"""A QR diagonal entry below this times the Gram matrix's infinity-norm counts as zero (Oryx 2's threshold)."""


class SingularMatrixError(ValueError):
    """The Gram matrix is (nearly) singular, so no fold-in is possible until there is more data."""

    def __init__(self, apparent_rank: int, features: int) -> None:
        super().__init__(
            f"Gram matrix is near-singular: apparent rank {apparent_rank} of {features} features; "
            "add more data or reduce the number of features (oryx.als.hyperparams.features)"
        )
        self.apparent_rank = apparent_rank
        self.features = features


class Solver:
    """Solves (AᵀA)·x = b for a fixed k×k Gram matrix, after checking that it is not near-singular.

    The check is rank-revealing in Oryx 2's sense: QR-decompose the matrix and count the diagonal entries of
    R whose magnitude exceeds ``SINGULARITY_THRESHOLD_RATIO`` × ‖A‖∞; fewer than k means singular. Because
    the same matrix serves many solves, its inverse (R⁻¹Qᵀ) is formed once and each solve is one k×k product.
    """

    def __init__(self, gram: np.ndarray) -> None:
        a = np.asarray(gram, dtype=np.float64)
        if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
            raise ValueError(f"Gram matrix must be square and non-empty, got shape {a.shape}")
        if not np.all(np.isfinite(a)):
            raise ValueError("Gram matrix has non-finite values")
        features = a.shape[0]
        q, r = np.linalg.qr(a)
        threshold = SINGULARITY_THRESHOLD_RATIO * float(np.linalg.norm(a, np.inf))
        apparent_rank = int(np.count_nonzero(np.abs(np.diag(r)) > threshold))
        if apparent_rank < features:
            raise SingularMatrixError(apparent_rank, features)
        self.features = features
        self._inverse = np.linalg.solve(r, q.T)

    def solve(self, b: np.ndarray) -> np.ndarray:
        """x with A·x = b, in float64; ``b`` may be a k-vector or a k×m matrix of right-hand sides."""
        b64 = np.asarray(b, dtype=np.float64)
        if b64.shape[0] != self.features:
            raise ValueError(f"right-hand side has {b64.shape[0]} rows, expected {self.features}")
        return self._inverse @ b64


def implicit_target(current: float, value: float) -> float | None:
    """Oryx 2's implicit target for Qui given the current estimate and the new strength; None for no update.

    A positive strength moves the estimate towards 1 by the fraction v/(1+v) of the remaining gap (never
    starting below 0); a negative one moves it towards 0 by v/(v−1) of the estimate (capped at 1). An
    estimate already at or past the end it is pushed towards is left alone.
    """
    if value > 0.0 and current < 1.0:
        return current + (value / (1.0 + value)) * (1.0 - max(0.0, current))
    if value < 0.0 and current > 0.0:
        return current + (value / (value - 1.0)) * -min(1.0, current)
    return None


def restricted_gram(gram: np.ndarray, free: np.ndarray | None) -> np.ndarray:
    """The Gram matrix of the free coordinates only (all of it when ``free`` is None)."""
    return gram if free is None else gram[np.ix_(free, free)]


def compute_updated_xu(
    solver: Solver,
    value: float,
    xu: np.ndarray | None,
    yi: np.ndarray | None,
    implicit: bool,
    *,
    free: np.ndarray | None = None,
    prior: np.ndarray | None = None,
) -> np.ndarray | None:
    """The new Xu (float32) after folding in strength ``value`` for item vector ``yi``; None for no update.

    No update when Yi is unknown, the value is NaN, or (implicit) the target rule declines. With Xu unknown,
    it starts from ``prior`` (zero when None): Qui is the prior's estimate, the implicit "current" value 0.5.
    Only the ``free`` coordinates move (all when None), and ``solver`` solves for those coordinates.
    """
    if yi is None or value != value:
        return None
    yi64 = np.asarray(yi, dtype=np.float64)
    if xu is not None:
        start: np.ndarray | None = np.asarray(xu, dtype=np.float64)
    else:
        start = None if prior is None else np.asarray(prior, dtype=np.float64)
    qui = 0.0 if start is None else float(start @ yi64)
    if implicit:
        target = implicit_target(0.5 if xu is None else qui, value)
        if target is None:
            return None
    else:
        target = value
    if free is None:
        delta = solver.solve(yi64 * (target - qui))
        updated = delta if start is None else start + delta
    else:
        updated = np.zeros_like(yi64) if start is None else start.copy()
        updated[free] += solver.solve(yi64[free] * (target - qui))
    return updated.astype(np.float32)


def fold_in_anonymous(
    solver: Solver,
    item_vectors_with_values: Iterable[tuple[np.ndarray | None, float]],
    implicit: bool,
    xu: np.ndarray | None = None,
    *,
    free: np.ndarray | None = None,
    prior: np.ndarray | None = None,
) -> np.ndarray | None:
    """A temporary user vector built by folding in each (item vector, value) in turn, as Oryx 2 does.

    Starts from ``xu`` (None for an anonymous user, who starts from ``prior``; the user's vector for
    ``/recommendWithContext``). Unknown items (None) and folds that decline to update are skipped. None if
    nothing was folded in. ``free`` and ``prior`` as in :func:`compute_updated_xu`.
    """
    for yi, value in item_vectors_with_values:
        updated = compute_updated_xu(solver, value, xu, yi, implicit, free=free, prior=prior)
        if updated is not None:
            xu = updated
    return xu


class SolverCache:
    """A solver for a Gram matrix that keeps changing, recomputed in the background when marked dirty.

    Queries and micro-batches call ``get(blocking=False)`` and never wait: they get the last solver (None if
    none yet, or if the latest Gram matrix was singular). ``get(blocking=True)`` waits for a computation in
    progress or starts one, for callers that cannot proceed without a solver.
    """

    def __init__(self, gram_source: Callable[[], np.ndarray], name: str = "Gram") -> None:
        self._gram_source = gram_source
        self._name = name
        self._condition = threading.Condition()
        self._solver: Solver | None = None
        self._dirty = True
        self._computing = False
        self.last_error: Exception | None = None

    def set_dirty(self) -> None:
        """The vectors changed; the next ``get`` starts a recomputation (the old solver serves meanwhile)."""
        with self._condition:
            self._dirty = True

    def get(self, blocking: bool = False, timeout: float | None = None) -> Solver | None:
        with self._condition:
            if self._dirty and not self._computing:
                self._computing = True
                threading.Thread(target=self._compute, name=f"oryx-solver-{self._name}", daemon=True).start()
            if blocking:
                self._condition.wait_for(lambda: not self._computing, timeout)
            return self._solver

    def _compute(self) -> None:
        while True:
            with self._condition:
                if not self._dirty:
                    self._computing = False
                    self._condition.notify_all()
                    return
                self._dirty = False
            solver, error = self._new_solver()
            with self._condition:
                self._solver, self.last_error = solver, error

    def _new_solver(self) -> tuple[Solver | None, Exception | None]:
        try:
            return Solver(self._gram_source()), None
        except SingularMatrixError as error:
            log.warning("no %s solver yet: %s", self._name, error)
            return None, error
        except Exception as error:  # a failing source must not leave waiters blocked forever
            log.exception("computing the %s solver failed", self._name)
            return None, error
