"""The speed layer's ALS model: the shared ``ALSModelState`` plus the Gram-matrix solvers its fold-in needs.

Vectors, expected IDs, the loaded fraction and which IDs survive a new ``MODEL`` are the shared state's
(``oryx_core.apps.als.state``), exactly as serving holds them. Only the speed layer folds new input into both
X and Y, so only it keeps XᵀX and YᵀY solvers, recomputed in the background whenever the vectors they are
built from change. ``fraction_loaded`` tells the speed layer when enough has arrived to fold in new input
(``oryx.speed.min-model-load-fraction``): folding into a half-loaded model would compute from missing vectors.
"""

from __future__ import annotations

from oryx_core.apps.als.foldin import Solver, SolverCache, restricted_gram
from oryx_core.apps.als.model_pmml import ALSModelDescription
from oryx_core.apps.als.state import ALSModelState
from oryx_core.apps.als.vectors import FeatureVectors

__all__ = ["ALSSpeedModel"]


class ALSSpeedModel(ALSModelState):
    """X (users) and Y (items) with XᵀX and YᵀY solvers; no known items (the speed layer never reads them)."""

    def __init__(self, description: ALSModelDescription) -> None:
        # Each solver works on the coordinates its fold-in moves: XᵀX updates items, YᵀY users.
        self._xtx = SolverCache(lambda: restricted_gram(self.x.gram(), self.layout.item_free), name="XtX")
        self._yty = SolverCache(lambda: restricted_gram(self.y.gram(), self.layout.user_free), name="YtY")
        super().__init__(description, track_known_items=False)

    def _users_changed(self) -> None:
        self._xtx.set_dirty()

    def _items_changed(self) -> None:
        self._yty.set_dirty()

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
