"""ALSServingModel: the user (X) and item (Y) vectors, known items and the YᵀY solver the endpoints query.

The update follower writes while request threads read. Every store here is thread-safe on its own
(``FeatureVectors`` publishes rows copy-on-write, so a query never waits for an ``UP`` and never sees a torn
vector), and the only lock of this class guards the small "expected IDs" sets behind ``get_fraction_loaded``.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Collection, Iterable, Sequence

import numpy as np

from oryx_core.apps.als.foldin import Solver, SolverCache, fold_in_anonymous, restricted_gram
from oryx_core.apps.als.layout import VectorLayout
from oryx_core.apps.als.lsh import LocalitySensitiveHash
from oryx_core.apps.als.rescorer import Rescorer, RescorerProvider
from oryx_core.apps.als.vectors import FeatureVectors, KnownItems

__all__ = ["ALSServingModel"]

_SOLVER_WAIT_SECONDS = 30.0


class ALSServingModel:
    """In-memory ALS model; ``sample_rate`` < 1 makes item scans approximate (LSH, ``oryx.als.sample-rate``).

    ``layout`` says where a biased model keeps its biases (``oryx_core.apps.als.layout``): similarity and LSH
    then use the factor part only, fold-in starts a new user at the global mean, and explicit estimates clip
    to the training ratings' range. Oryx 2's plain layout when None.
    """

    def __init__(
        self,
        features: int,
        implicit: bool,
        *,
        sample_rate: float = 1.0,
        rescorer_provider: RescorerProvider | None = None,
        track_known_items: bool = True,
        lsh_seed: int | None = None,
        layout: VectorLayout | None = None,
    ) -> None:
        self.features = features
        self.implicit = implicit
        self.layout = layout if layout is not None else VectorLayout.plain(features)
        if self.layout.dimensions != features:
            raise ValueError(f"layout has {self.layout.dimensions} coordinates but the model {features} features")
        self.sample_rate = sample_rate
        self.rescorer_provider = rescorer_provider
        self.track_known_items = track_known_items
        factors = self.layout.factors
        cores = os.cpu_count() or 1
        lsh = LocalitySensitiveHash(sample_rate, features, num_cores=cores, seed=lsh_seed, hashed_features=factors)
        self.lsh = None if lsh.is_exact else lsh
        self.x = FeatureVectors(features, cosine_features=factors)
        self.y = FeatureVectors(features, lsh=self.lsh, cosine_features=factors)
        self.known_items = KnownItems()
        self._expected_lock = threading.Lock()
        self._expected_users: set[str] = set()
        self._expected_items: set[str] = set()
        self._examples: tuple[list[str], list[str]] = ([], [])
        self._yty = SolverCache(lambda: restricted_gram(self.y.gram(), self.layout.user_free), "YtY")
        self._y_changed = False
        """Y changed since YᵀY was last marked dirty. Marking happens at query time (``yty_solver``), so the
        cache's background thread recomputes at most once per demand, never continuously while updates stream."""

    def __repr__(self) -> str:
        """Oryx 2's ``toString`` layout (what its logs show), plus the sample rate."""
        implicit = "true" if self.implicit else "false"
        return (
            f"ALSServingModel[features:{self.features}, implicit:{implicit}, X:({len(self.x)} users), "
            f"Y:({len(self.y)} items), sampleRate:{self.sample_rate}, fractionLoaded:{self.get_fraction_loaded()}]"
        )

    # ---- loading -----------------------------------------------------------------------------------------

    def get_fraction_loaded(self) -> float:
        """loaded / (loaded + still expected), over users and items; 1 when nothing is expected."""
        with self._expected_lock:
            expected = len(self._expected_users) + len(self._expected_items)
        if expected == 0:
            return 1.0
        loaded = len(self.x) + len(self.y)
        return loaded / (loaded + expected)

    def set_user_vector(self, user: str, vector: np.ndarray, known_items: Sequence[str] | None = None) -> None:
        self.x.set(user, vector)
        if self._arrived(self._expected_users, user):
            self.x.forget_recent()
        if known_items and self.track_known_items:
            self.known_items.add(user, known_items)

    def set_item_vector(self, item: str, vector: np.ndarray, users: Sequence[str] | None = None) -> None:
        """Sets Yi; the speed layer's 4th element names users who now know the item."""
        self.y.set(item, vector)
        if self._arrived(self._expected_items, item):
            self.y.forget_recent()
            self.y.regroup()
        self._y_changed = True
        if users and self.track_known_items:
            for user in users:
                self.known_items.add(user, (item,))

    def set_item_vectors(
        self, items: Sequence[str], matrix: np.ndarray, users: Sequence[Sequence[str] | None] | None = None
    ) -> None:
        """Many item vectors at once, in order, as ``set_item_vector`` for each (``users[i]`` for item i)."""
        self._set_many(self.y, self._expected_items, items, matrix)
        self._y_changed = True
        if users is not None and self.track_known_items:
            for item, known_users in zip(items, users, strict=True):
                for user in known_users or ():
                    self.known_items.add(user, (item,))

    def set_user_vectors(
        self, users: Sequence[str], matrix: np.ndarray, known_items: Sequence[Sequence[str] | None] | None = None
    ) -> None:
        """Many user vectors at once, in order, as ``set_user_vector`` for each (``known_items[i]`` for user i)."""
        self._set_many(self.x, self._expected_users, users, matrix)
        if known_items is not None and self.track_known_items:
            for user, items in zip(users, known_items, strict=True):
                if items:
                    self.known_items.add(user, items)

    def _set_many(self, store: FeatureVectors, expected: set[str], ids: Sequence[str], matrix: np.ndarray) -> None:
        """``store.set_many`` in at most two parts, split after the vector that completes the model, so that
        exactly the vectors set after it stay "recent" (as one ``set`` at a time would leave them)."""
        with self._expected_lock:
            last = _completing_position(expected, ids)
        if last is None:
            store.set_many(ids, matrix)
            with self._expected_lock:
                expected.difference_update(ids)
            return
        store.set_many(ids[: last + 1], matrix[: last + 1])
        with self._expected_lock:
            expected.clear()
        store.forget_recent()
        store.regroup()  # the model is complete: every row of it grouped for approximate scans
        if last + 1 < len(ids):
            store.set_many(ids[last + 1 :], matrix[last + 1 :])

    def _arrived(self, expected: set[str], id_: str) -> bool:
        """Marks an expected ID as loaded; True when it was the model's last expected ID of its kind.

        From then on every vector of the model is here, so only vectors set later can be newer than it:
        forgetting the earlier ones as "recent" lets the next ``MODEL`` drop IDs it no longer lists. (Oryx 2
        kept them one model longer, because the model's own vectors counted as recent.)
        """
        with self._expected_lock:
            if id_ not in expected:
                return False
            expected.discard(id_)
            return not expected

    def retain_recent_and_ids(self, user_ids: Collection[str], item_ids: Collection[str]) -> None:
        """A new ``MODEL`` with the same features: keep its IDs and recent ones; its IDs not here are expected."""
        users, items = set(user_ids), set(item_ids)
        self.x.retain_recent_and(users)
        self.y.retain_recent_and(items)
        self.known_items.retain(set(self.x.ids()) | users, set(self.y.ids()) | items)
        with self._expected_lock:
            self._expected_users = {user for user in users if user not in self.x}
            self._expected_items = {item for item in items if item not in self.y}
        self._y_changed = True

    # ---- reading -----------------------------------------------------------------------------------------

    def user_vector(self, user: str) -> np.ndarray | None:
        return self.x.get(user)

    def item_vector(self, item: str) -> np.ndarray | None:
        return self.y.get(item)

    def item_vectors(self, items: Iterable[str]) -> list[np.ndarray | None]:
        return self.y.get_many(items)

    def user_ids(self) -> list[str]:
        return self.x.ids()

    def item_ids(self) -> list[str]:
        return self.y.ids()

    def example_ids(self, how_many: int = 2) -> tuple[list[str], list[str]]:
        """Up to ``how_many`` user IDs and item IDs of the model, for the console's forms.

        The same IDs while they stay in the model; new ones (an O(n) copy of the IDs) only when one has gone.
        IDs with a "/" are passed over: they could not be typed into one path segment of a form.
        """
        users, items = self._examples
        if not _still_present(users, self.x, how_many):
            users = _typeable_ids(self.x.ids(), how_many)
        if not _still_present(items, self.y, how_many):
            items = _typeable_ids(self.y.ids(), how_many)
        self._examples = (users, items)
        return list(users), list(items)

    def known_items_of(self, user: str) -> frozenset[str]:
        return self.known_items.get(user)

    def item_counts(self) -> Counter[str]:
        """Users knowing each item (``/mostPopularItems``)."""
        return self.known_items.item_counts()

    def user_counts(self) -> Counter[str]:
        """Known items per user (``/mostActiveUsers``)."""
        return self.known_items.user_counts()

    def yty_solver(self) -> Solver | None:
        """The latest YᵀY solver without waiting, or (only when there is none yet) after waiting for one.

        None when YᵀY is singular (too little data for the features): the endpoints answer 503 then.
        """
        if self._y_changed:
            self._y_changed = False
            self._yty.set_dirty()
        solver = self._yty.get(blocking=False)
        if solver is None:
            solver = self._yty.get(blocking=True, timeout=_SOLVER_WAIT_SECONDS)
        return solver

    def precompute_solver(self) -> None:
        """Starts computing YᵀY in the background (Oryx 2 does it once the model is loaded enough)."""
        self._y_changed = False
        self._yty.set_dirty()
        self._yty.get(blocking=False)

    def fold_in(
        self, solver: Solver, items_with_values: Sequence[tuple[str, float]], start: np.ndarray | None = None
    ) -> np.ndarray | None:
        """A temporary user vector: ``start`` (or a new user's prior) with each (item, strength) folded in, as
        the speed layer folds in; the solver is ``yty_solver``'s."""
        vectors = self.item_vectors(item for item, _ in items_with_values)
        pairs = [(vector, value) for vector, (_, value) in zip(vectors, items_with_values, strict=True)]
        layout = self.layout
        return fold_in_anonymous(solver, pairs, self.implicit, start, free=layout.user_free, prior=layout.user_prior())

    def estimate(self, user_vector: np.ndarray, item_vector: np.ndarray) -> float:
        """The model's estimate for a user and an item: their dot product, clipped to the rating range when
        explicit (``layout.clip``)."""
        dot = float(np.asarray(user_vector, dtype=np.float64) @ np.asarray(item_vector, dtype=np.float64))
        return self.layout.clip(dot)

    def top_items(
        self,
        query: np.ndarray,
        how_many: int,
        exclude: Collection[str] = (),
        rescorer: Rescorer | None = None,
        *,
        cosine: bool = False,
    ) -> list[tuple[str, float]]:
        """The best items for the query vector by dot product, best first, with Oryx 2's scores.

        The vectorised float32 scan picks the items; each one returned is then scored again as Oryx 2 scores
        it, in double precision from the float32 vectors (``VectorMath.dot``), and passed to the rescorer with
        that score, so answers carry Oryx 2's values rather than float32 roundings of them. ``cosine``: the
        query is a unit vector and each score is divided by the item's norm (``CosineAverageFunction``, which
        takes the query's norm as exactly 1); only the factor coordinates count.
        """
        scan = self.y.top_n_cosine if cosine else self.y.top_n
        found = scan(
            query,
            how_many,
            exclude,
            is_filtered=None if rescorer is None else rescorer.is_filtered,
            rescore=None if rescorer is None else rescorer.rescore,
        )
        return self._double_precision_scores(np.asarray(query, dtype=np.float32), found, rescorer, cosine)

    def _double_precision_scores(
        self, query: np.ndarray, found: list[tuple[str, float]], rescorer: Rescorer | None, cosine: bool
    ) -> list[tuple[str, float]]:
        """``found`` rescored from the vectors in float64 and re-sorted (stable); an item removed since the scan
        keeps its scan score."""
        if not found:
            return found
        vectors = self.item_vectors(id_ for id_, _ in found)
        present = [position for position, vector in enumerate(vectors) if vector is not None]
        scores = np.array([score for _, score in found], dtype=np.float64)
        if present:
            matrix = np.asarray([vectors[position] for position in present], dtype=np.float64)
            if cosine:
                matrix = self.layout.factor_part(matrix)
            exact = matrix @ query.astype(np.float64)[: matrix.shape[1]]
            if cosine:
                exact /= np.linalg.norm(matrix, axis=1)
            scores[present] = exact
        exact_positions = set(present)
        rescored = []
        for position, ((id_, _), score) in enumerate(zip(found, scores.tolist(), strict=True)):
            if rescorer is not None and position in exact_positions:  # a scan score is rescored already
                score = rescorer.rescore(id_, score)
            if score == score:  # a rescorer may still answer NaN: dropped, as in Oryx 2
                rescored.append((id_, score))
        rescored.sort(key=lambda pair: -pair[1])
        return rescored

    def popular_representative_items(self) -> list[str]:
        """For each latent feature j, the item with the largest j-th coordinate (exact, whatever the sample rate;
        a biased model's bias coordinates are not features)."""
        matrix, ids = self.y.matrix_view()
        if len(ids) == 0:
            return []
        return [ids[row] for row in np.argmax(self.layout.factor_part(matrix), axis=0).tolist()]


def _still_present(ids: list[str], store: FeatureVectors, how_many: int) -> bool:
    return len(ids) >= min(how_many, len(store)) and all(id_ in store for id_ in ids)


def _typeable_ids(ids: list[str], how_many: int) -> list[str]:
    return sorted(id_ for id_ in ids if "/" not in id_)[:how_many]


def _completing_position(expected: set[str], ids: Sequence[str]) -> int | None:
    """Index in ``ids`` at which every expected ID has arrived, or None if they do not all arrive."""
    if not expected or len(expected) > len(ids):  # the usual case while a model loads: no scan needed
        return None
    arrived: set[str] = set()
    for position, id_ in enumerate(ids):
        if id_ in expected:
            arrived.add(id_)
            if len(arrived) == len(expected):
                return position
    return None
