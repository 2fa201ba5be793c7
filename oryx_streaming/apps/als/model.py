"""The speed layer's copy of an ALS model: X and Y, their Gram-matrix solvers, and what is still expected.

A ``MODEL`` only describes the model (feature count, IDs); its vectors follow as ``UP`` messages, so the copy
fills up gradually. ``fraction_loaded`` tells the speed layer when enough has arrived to fold in new input
(``oryx.speed.min-model-load-fraction``); folding into a half-loaded model would compute from missing vectors.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import numpy as np

from oryx_core.apps.als.foldin import Solver, SolverCache, restricted_gram
from oryx_core.apps.als.layout import VectorLayout
from oryx_core.apps.als.model_pmml import ALSModelDescription
from oryx_core.apps.als.vectors import FeatureVectors

log = logging.getLogger(__name__)

__all__ = ["ALSSpeedModel"]


class ALSSpeedModel:
    """X (users) and Y (items) as ``FeatureVectors``, with XᵀX and YᵀY solvers recomputed in the background."""

    def __init__(self, description: ALSModelDescription) -> None:
        self.description = description
        self.x = FeatureVectors(description.features)
        self.y = FeatureVectors(description.features)
        self._lock = threading.Lock()
        self._expected_x: set[str] = set(description.x_ids)
        self._expected_y: set[str] = set(description.y_ids)
        # Set by a fold-in rather than by the current model: kept by the next MODEL even if it does not list them.
        self._recent_x: set[str] = set()
        self._recent_y: set[str] = set()
        # Each solver works on the coordinates its fold-in moves: XᵀX updates items, YᵀY users.
        self._xtx = SolverCache(lambda: restricted_gram(self.x.gram(), self.layout.item_free), name="XtX")
        self._yty = SolverCache(lambda: restricted_gram(self.y.gram(), self.layout.user_free), name="YtY")

    @property
    def features(self) -> int:
        return self.description.features

    @property
    def layout(self) -> VectorLayout:
        """The current model's vector layout (biases, global mean, rating range)."""
        return self.description.layout

    @property
    def implicit(self) -> bool:
        return self.description.implicit

    def retain_for(self, description: ALSModelDescription) -> None:
        """A new ``MODEL`` with the same feature count: keep vectors it lists or that were folded in since the last.

        IDs the new model no longer has are dropped unless the speed layer folded them in since the previous
        model (their input may be newer than the data the batch saw). Oryx 2 also kept every vector the previous
        model's own ``UP`` messages had set, so a user removed by the batch survived one extra generation; here
        only fold-ins count as recent. The listed IDs not yet held become "expected".
        """
        with self._lock:
            keep_x, self._recent_x = set(description.x_ids) | self._recent_x, set()
            keep_y, self._recent_y = set(description.y_ids) | self._recent_y, set()
        dropped_x = self.x.remove_all_except(keep_x)
        dropped_y = self.y.remove_all_except(keep_y)
        with self._lock:
            self.description = description
            self._expected_x = set(description.x_ids) - set(self.x.ids())
            self._expected_y = set(description.y_ids) - set(self.y.ids())
        self._xtx.set_dirty()
        self._yty.set_dirty()
        log.info(
            "New ALS model: kept %d user and %d item vectors, dropped %d and %d",
            self.x.size,
            self.y.size,
            dropped_x,
            dropped_y,
        )

    def set_user_vector(self, user: str, vector: np.ndarray, *, folded_in: bool = False) -> None:
        """``folded_in``: computed by this speed layer (or read back from the topic as its own ``UP``)."""
        self.x.set(user, vector)
        with self._lock:
            self._expected_x.discard(user)
            if folded_in:
                self._recent_x.add(user)
        self._xtx.set_dirty()

    def set_item_vector(self, item: str, vector: np.ndarray, *, folded_in: bool = False) -> None:
        self.y.set(item, vector)
        with self._lock:
            self._expected_y.discard(item)
            if folded_in:
                self._recent_y.add(item)
        self._yty.set_dirty()

    def set_user_vectors(self, users: Sequence[str], matrix: np.ndarray, *, folded_in: bool = False) -> None:
        """``set_user_vector`` for each user in order (row i of ``matrix`` for ``users[i]``; a repeated user keeps
        its last row), with one store write and one solver invalidation: how a poll of ``UP`` messages loads."""
        self.x.set_many(users, matrix)
        with self._lock:
            self._expected_x.difference_update(users)
            if folded_in:
                self._recent_x.update(users)
        self._xtx.set_dirty()

    def set_item_vectors(self, items: Sequence[str], matrix: np.ndarray, *, folded_in: bool = False) -> None:
        """``set_item_vector`` for each item in order, as ``set_user_vectors`` does for users."""
        self.y.set_many(items, matrix)
        with self._lock:
            self._expected_y.difference_update(items)
            if folded_in:
                self._recent_y.update(items)
        self._yty.set_dirty()

    def fraction_loaded(self) -> float:
        """loaded / (loaded + still expected) over users and items; 1 for a model that lists no IDs."""
        with self._lock:
            expected = len(self._expected_x) + len(self._expected_y)
        loaded = self.x.size + self.y.size
        total = loaded + expected
        return 1.0 if total == 0 else loaded / total

    def xtx_solver(self, timeout: float) -> Solver | None:
        """Waits up to ``timeout`` s for a current XᵀX solver; None while X is empty or near-singular."""
        return self._solver(self._xtx, self.x, timeout)

    def yty_solver(self, timeout: float) -> Solver | None:
        return self._solver(self._yty, self.y, timeout)

    @staticmethod
    def _solver(cache: SolverCache, vectors: FeatureVectors, timeout: float) -> Solver | None:
        if vectors.size == 0:
            return None
        return cache.get(blocking=True, timeout=timeout)

    def solver_problem(self) -> str:
        """Why a solver is missing, for the log line of a skipped micro-batch."""
        errors = [str(c.last_error) for c in (self._xtx, self._yty) if c.last_error is not None]
        if errors:
            return "; ".join(errors)
        return f"no vectors yet (users {self.x.size}, items {self.y.size})"
