"""ALSServingModel: the shared ALS model state plus what serving answers from it (top-N, LSH, YᵀY, popularity).

Vectors, known items, expected IDs, the loaded fraction and which IDs survive a new ``MODEL`` are the shared
``ALSModelState`` (``oryx_core.apps.als.state``), the same the speed layer holds. This class adds the queries:
top-N by dot product or cosine (exact, or approximate with an LSH for ``oryx.als.sample-rate`` < 1), Oryx 2's
double-precision scores and rescoring, the YᵀY solver for anonymous fold-in, and the popularity views.

The update follower writes while request threads read. Every store is thread-safe on its own
(``FeatureVectors`` publishes rows copy-on-write, so a query never waits for an ``UP`` and never sees a torn
vector).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Collection, Iterable, Sequence

import numpy as np

from oryx_core.api.serving import MetricGauge
from oryx_core.apps.als.foldin import Solver, SolverCache, fold_in_anonymous, restricted_gram
from oryx_core.apps.als.layout import VectorLayout
from oryx_core.apps.als.lsh import LocalitySensitiveHash
from oryx_core.apps.als.model_pmml import ALSModelDescription
from oryx_core.apps.als.rescorer import Rescorer, RescorerProvider
from oryx_core.apps.als.state import ALSModelState
from oryx_core.apps.als.vectors import FeatureVectors
from oryx_serving.apps.als.ann_search import AnnItemSearch

__all__ = ["ALSServingModel"]

_SOLVER_WAIT_SECONDS = 30.0


class ALSServingModel(ALSModelState):
    """In-memory ALS model; ``sample_rate`` < 1 makes item scans approximate (LSH, ``oryx.als.sample-rate``).

    ``layout`` says where a biased model keeps its biases (``oryx_core.apps.als.layout``): similarity and LSH
    then use the factor part only, fold-in starts a new user at the global mean, and explicit estimates clip
    to the training ratings' range. Oryx 2's plain layout when None. ``description``, when given (a ``MODEL``
    read by the manager), is the model's own, with its IDs expected; otherwise one is made of the arguments.
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
        description: ALSModelDescription | None = None,
        ann_target_recall: float | None = None,
    ) -> None:
        if description is None:
            description = _description(features, implicit, layout or VectorLayout.plain(features))
        if (description.features, description.implicit) != (features, implicit):
            raise ValueError(f"the model description has {description.features} features, not {features}")
        self.sample_rate = sample_rate
        self.rescorer_provider = rescorer_provider
        factors = description.layout.factors
        cores = os.cpu_count() or 1
        lsh = LocalitySensitiveHash(sample_rate, features, num_cores=cores, seed=lsh_seed, hashed_features=factors)
        self.lsh = None if lsh.is_exact else lsh
        self._examples: tuple[list[str], list[str]] = ([], [])
        self._yty = SolverCache(lambda: restricted_gram(self.y.gram(), self.layout.user_free), "YtY")
        self._y_changed = False
        """Y changed since YᵀY was last marked dirty. Marking happens at query time (``yty_solver``), so the
        cache's background thread recomputes at most once per demand, never continuously while updates stream."""
        super().__init__(description, track_known_items=track_known_items, item_lsh=self.lsh)
        self.ann = None if ann_target_recall is None else AnnItemSearch(self.y, ann_target_recall, self._user_probes)

    def close(self) -> None:
        """Stops the ANN graph's indexer thread, if any (the model is being dropped)."""
        if self.ann is not None:
            self.ann.close()

    def metric_gauges(self) -> list[MetricGauge]:
        """``/metrics`` series of this model: its size, and how the ANN graph stands (staleness, recall, memory)."""
        gauges: list[MetricGauge] = [
            ("oryx_serving_als_users", "User vectors in memory.", len(self.x)),
            ("oryx_serving_als_items", "Item vectors in memory.", len(self.y)),
            (
                "oryx_serving_als_vector_bytes",
                "Bytes of the user and item vector arrays as allocated (IDs and known items not counted).",
                self.x.array_bytes + self.y.array_bytes,
            ),
        ]
        if self.ann is not None:
            ann = self.ann
            gauges += [
                (
                    "oryx_serving_als_ann_stale_items",
                    "Items changed but not yet in the ANN graph (scored exactly).",
                    ann.stale,
                ),
                ("oryx_serving_als_ann_graph_items", "Items in the ANN graph.", ann.graph_size),
                ("oryx_serving_als_ann_graph_bytes", "Bytes of the ANN graph's vectors and links.", ann.graph_bytes()),
                ("oryx_serving_als_ann_search_effort", "efSearch chosen to reach the target recall.", ann.effort),
                (
                    "oryx_serving_als_ann_measured_recall",
                    "recall@10 measured at calibration (NaN before).",
                    ann.measured_recall,
                ),
            ]
        return gauges

    def _user_probes(self, how_many: int) -> np.ndarray:
        """A random sample of user vectors: the queries the ANN's recall is calibrated on."""
        users = self.x.ids()
        picked = np.random.default_rng(0).choice(len(users), min(how_many, len(users)), replace=False)
        vectors = [vector for vector in self.x.get_many(users[i] for i in picked.tolist()) if vector is not None]
        return np.asarray(vectors, dtype=np.float32).reshape(-1, self.features)

    def __repr__(self) -> str:
        """Oryx 2's ``toString`` layout (what its logs show), plus the sample rate."""
        implicit = "true" if self.implicit else "false"
        return (
            f"ALSServingModel[features:{self.features}, implicit:{implicit}, X:({len(self.x)} users), "
            f"Y:({len(self.y)} items), sampleRate:{self.sample_rate}, fractionLoaded:{self.get_fraction_loaded()}]"
        )

    def get_fraction_loaded(self) -> float:
        """``fraction_loaded``, under the name the serving layer's ``ServingModel`` protocol asks for."""
        return self.fraction_loaded()

    def _items_changed(self) -> None:
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

        The vectorised float32 scan (or, with ``oryx.als.ann.enabled``, the HNSW graph's candidates: ``ann_search``)
        picks the items; each one returned is then scored again as Oryx 2 scores
        it, in double precision from the float32 vectors (``VectorMath.dot``), and passed to the rescorer with
        that score, so answers carry Oryx 2's values rather than float32 roundings of them. ``cosine``: the
        query is a unit vector and each score is divided by the item's norm (``CosineAverageFunction``, which
        takes the query's norm as exactly 1); only the factor coordinates count.
        """
        is_filtered = None if rescorer is None else rescorer.is_filtered
        rescore = None if rescorer is None else rescorer.rescore
        found = None
        if self.ann is not None and not cosine:  # None: the graph is too stale or the request too wide
            found = self.ann.top_n(query, how_many, exclude, is_filtered=is_filtered, rescore=rescore)
        if found is None:
            scan = self.y.top_n_cosine if cosine else self.y.top_n
            found = scan(query, how_many, exclude, is_filtered=is_filtered, rescore=rescore)
        return self._double_precision_scores(np.asarray(query, dtype=np.float32), found, rescorer, cosine)

    def _double_precision_scores(
        self, query: np.ndarray, found: list[tuple[str, float]], rescorer: Rescorer | None, cosine: bool
    ) -> list[tuple[str, float]]:
        """``found`` rescored from the vectors in float64 and re-sorted (stable); an item removed since the scan
        keeps its scan score."""
        if not found:
            return found
        present, rows = self.y.rows_of([id_ for id_, _ in found])
        scores = [score for _, score in found]
        if present:
            matrix = rows.astype(np.float64)
            if cosine:
                matrix = self.layout.factor_part(matrix)
            exact = matrix @ query.astype(np.float64)[: matrix.shape[1]]
            if cosine:
                exact /= np.linalg.norm(matrix, axis=1)
            for position, score in zip(present, exact.tolist(), strict=True):
                scores[position] = score
        exact_positions = set(present)
        rescored = []
        for position, ((id_, _), score) in enumerate(zip(found, scores, strict=True)):
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


def _description(features: int, implicit: bool, layout: VectorLayout) -> ALSModelDescription:
    """A description of a model built directly (no ``MODEL``): its layout, and no IDs expected."""
    if layout.dimensions != features:
        raise ValueError(f"layout has {layout.dimensions} coordinates but the model {features} features")
    return ALSModelDescription(
        features,
        implicit,
        biased=layout.biased,
        global_mean=layout.global_mean,
        rating_range=layout.rating_range,
    )
