"""Approximate top-N over ALS item vectors through an HNSW graph that follows the store (``oryx.als.ann.*``).

The graph (``ann_graph``) is never on a writer's path: ``FeatureVectors`` tells this class which IDs changed
(``subscribe``), and a background thread copies their current vectors into the graph in chunks. So loading a
model or applying ``UP`` messages runs at the store's speed, and the graph trails it by the **stale** IDs: changed
in the store, not yet in the graph. A query never answers from a stale vector: it takes the graph's candidates,
adds every stale ID, and scores all of them from the store's current vectors. While too many IDs are stale for
that to stay cheap (a model loading, a new generation re-sending every vector), ``top_n`` answers None and the
caller scans the store instead (exact, or LSH with ``oryx.als.sample-rate`` < 1). ``/metrics`` shows how many
IDs are stale, so the bound on staleness is visible, not assumed.

Exclusions, filters and rescorers apply to the candidates: the graph is asked for ``how_many`` plus the excluded
IDs and a margin, fourfold more while filters drop too many; a rescorer therefore sees the graph's candidates,
not every item (as Oryx 2's LSH mode also rescored only the scanned partitions).

Recall: ``oryx.als.ann.target-recall`` is met by measuring, not by a constant. Once the graph has caught up
(and again after it grew or shrank by a quarter), it searches 128 probe queries (user vectors when there are any)
with rising efSearch until recall@10 against a brute-force answer reaches the target; ``/metrics`` reports the
measured recall and the effort chosen.
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
import time
import weakref
from collections.abc import Callable, Collection

import numpy as np

from oryx_core.apps.als.top_n import IsFiltered, Rescore
from oryx_core.apps.als.vectors import FeatureVectors
from oryx_serving.apps.als.ann_graph import HnswItemGraph

__all__ = ["AnnItemSearch"]

log = logging.getLogger(__name__)

ProbeQueries = Callable[[int], np.ndarray]
"""Returns up to n query vectors typical of the traffic (user vectors), as an (m, k) matrix; m may be 0."""

_CHUNK = 512  # IDs per graph write: short enough that a query waits at most a few ms for the write lock
_MIN_STALE_LIMIT = 2_048  # stale IDs always tolerated; above max(this, 1% of the graph) queries scan instead
# ~1.25x steps: each step up costs its share in query time, so a coarser grid overshoots the target
_EFFORTS = (16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160, 192, 256, 320, 384, 512, 640, 768, 1024, 1280, 1536, 2048)
_PROBES = 128
_NOTHING_STALE: frozenset[str] = frozenset()
_TOP = 10
_EXACT_CHUNK_ROWS = 65_536


class AnnItemSearch:
    """Follows ``store`` with an HNSW graph; ``top_n`` answers like ``FeatureVectors.top_n`` or None (scan)."""

    def __init__(
        self,
        store: FeatureVectors,
        target_recall: float,
        probes: ProbeQueries | None = None,
        *,
        graph_factory: Callable[[int], HnswItemGraph] = HnswItemGraph,
    ) -> None:
        if not 0.0 < target_recall <= 1.0:
            raise ValueError(f"target recall must be in (0, 1], got {target_recall}")
        self.target_recall = target_recall
        self._store = store
        self._probes = probes
        self._graph_factory = graph_factory
        self._graph = graph_factory(store.features)
        self._lock = threading.Lock()
        self._pending: set[str] = set()  # changed in the store since the graph last took them
        self._in_flight: frozenset[str] = frozenset()  # being written to the graph (or to a rebuilt one)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Event()  # set by the indexer when it found nothing to do
        self.effort = 64  # efSearch; calibrated once the graph has caught up
        self.measured_recall = math.nan
        self._calibrated_size = 0
        self.rebuilds = 0
        store.subscribe(self._changed)
        self._changed(store.ids())
        self._thread = threading.Thread(
            target=_follow,
            args=(weakref.ref(self), self._wake, self._stop, self._idle),
            name="als-ann-indexer",
            daemon=True,
        )
        self._thread.start()

    # ---- what /metrics shows -----------------------------------------------------------------------------------

    @property
    def stale(self) -> int:
        """IDs whose current vector the graph does not have yet."""
        with self._lock:
            return len(self._pending) + len(self._in_flight)

    @property
    def graph_size(self) -> int:
        return self._graph.live

    def graph_bytes(self) -> int:
        return self._graph.memory_bytes()

    def retarget(self, target_recall: float) -> None:
        """A new target recall: the indexer calibrates efSearch again (``caught_up`` waits for it)."""
        if not 0.0 < target_recall <= 1.0:
            raise ValueError(f"target recall must be in (0, 1], got {target_recall}")
        self.target_recall = target_recall
        self._calibrated_size = 0
        self._idle.clear()
        self._wake.set()

    def close(self) -> None:
        """Stops the indexer thread (it also stops by itself once this object is garbage)."""
        self._stop.set()
        self._wake.set()

    def caught_up(self, timeout: float) -> bool:
        """Waits until no ID is stale and the indexer is idle (calibrated); False on timeout (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        while not (self._idle.is_set() and self.stale == 0) and time.monotonic() < deadline:
            time.sleep(0.01)
        return self._idle.is_set() and self.stale == 0

    # ---- queries ---------------------------------------------------------------------------------------------

    def top_n(
        self,
        query: np.ndarray,
        how_many: int,
        exclude: Collection[str] = (),
        *,
        is_filtered: IsFiltered | None = None,
        rescore: Rescore | None = None,
    ) -> list[tuple[str, float]] | None:
        """The best ``how_many`` (id, score) by dot product, best first, rescored when asked; None when the graph
        is too stale or the request too wide for it to pay (the caller scans instead)."""
        graph = self._graph
        with self._lock:
            stale_count = len(self._pending) + len(self._in_flight)
            if graph.live == 0 or stale_count > max(_MIN_STALE_LIMIT, graph.live // 100):
                return None
            stale = (self._pending | self._in_flight) if stale_count else _NOTHING_STALE
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        stale_scores = self._scores_of(q, [id_ for id_ in stale if id_ not in exclude]) if stale else []
        filtering = is_filtered is not None or rescore is not None
        fetch = how_many + len(exclude) + (max(how_many, 16) if filtering else 0)
        widest = max(1_000, graph.live // 20)  # beyond this an exact scan costs little more than the graph
        while fetch <= widest:
            found = graph.search(q, fetch, self.effort)  # best first
            if stale:
                fresh = [pair for pair in found if pair[0] not in stale]
                found = sorted(itertools.chain(fresh, stale_scores), key=lambda pair: -pair[1])
            result = _best(found, how_many, exclude, is_filtered, rescore)
            if len(result) >= how_many or fetch >= graph.live:  # enough, or the whole graph was asked for
                return result[:how_many]
            fetch *= 4
        return None

    def _scores_of(self, query: np.ndarray, ids: list[str]) -> list[tuple[str, float]]:
        """(ID, dot product) from the store's current vectors, for the IDs it still has."""
        present, matrix = self._current_vectors(ids)
        return list(zip(present, (matrix @ query).tolist(), strict=True)) if present else []

    def _current_vectors(self, ids: list[str]) -> tuple[list[str], np.ndarray]:
        """The IDs the store still has, and their vectors as rows of one float32 matrix."""
        positions, matrix = self._store.rows_of(ids)
        return [ids[position] for position in positions], matrix

    # ---- following the store (the indexer thread) ----------------------------------------------------------------

    def _changed(self, ids: Collection[str]) -> None:
        with self._lock:
            self._pending.update(ids)
        self._idle.clear()
        self._wake.set()

    def _index_some(self) -> bool:
        """One step of the indexer: a rebuild, a chunk of stale IDs, or a calibration. False when idle."""
        graph = self._graph
        with self._lock:
            pending = len(self._pending)
        if graph.dead + pending >= max(graph.live, 10_000) and pending > _CHUNK:
            self._rebuild()
            return True
        with self._lock:
            chunk = frozenset(itertools.islice(self._pending, _CHUNK))
            self._pending.difference_update(chunk)
            self._in_flight = chunk
        if chunk:
            self._write(graph, list(chunk))
            with self._lock:
                self._in_flight = frozenset()
            return True
        if graph.live and not 0.8 * self._calibrated_size <= graph.live <= 1.25 * self._calibrated_size:
            self._calibrate(graph)
            return True
        return False

    def _write(self, graph: HnswItemGraph, ids: list[str]) -> None:
        present, matrix = self._current_vectors(ids)
        if len(present) < len(ids):
            kept = set(present)
            graph.remove([id_ for id_ in ids if id_ not in kept])
        if present:
            graph.add(present, matrix)

    def _rebuild(self) -> None:
        """A fresh graph of the store's current vectors, built aside while queries use the old one (every ID
        changed meanwhile stays stale until the swap), then swapped in; drops the old graph's dead nodes."""
        with self._lock:
            self._in_flight = frozenset(self._pending) | self._in_flight
            self._pending.clear()
        matrix, ids = self._store.matrix_view()  # after the clear: later changes are pending again
        fresh = self._graph_factory(self._store.features)
        for start in range(0, len(ids), 8 * _CHUNK):
            if self._stop.is_set():
                return
            fresh.add(ids[start : start + 8 * _CHUNK], matrix[start : start + 8 * _CHUNK])
        with self._lock:
            self._graph = fresh
            self._in_flight = frozenset()
        self.rebuilds += 1
        log.info("ALS ANN graph rebuilt with %d items (%d MB)", fresh.live, fresh.memory_bytes() >> 20)

    def _calibrate(self, graph: HnswItemGraph) -> None:
        """Picks the least efSearch whose recall@10 on probe queries reaches the target (the largest tried if
        none does) and records the recall measured."""
        self._calibrated_size = graph.live
        queries = self._probe_queries()
        matrix, ids = self._store.matrix_view()
        if len(queries) == 0 or len(ids) == 0:
            return
        exact = _exact_top(matrix, queries, min(_TOP, len(ids)))
        expected = [{ids[row] for row in rows} for rows in exact]
        recall = math.nan
        for effort in _EFFORTS:
            hits = sum(
                len(expected[i] & {id_ for id_, _ in graph.search(q, _TOP, effort)}) for i, q in enumerate(queries)
            )
            recall = hits / sum(len(e) for e in expected)
            if recall >= self.target_recall:
                break
        self.effort, self.measured_recall = effort, recall
        log.info("ALS ANN calibrated on %d items: efSearch %d gives recall@10 %.3f", len(ids), effort, recall)

    def _probe_queries(self) -> np.ndarray:
        features = self._store.features
        queries = self._probes(_PROBES) if self._probes is not None else np.zeros((0, features), dtype=np.float32)
        if len(queries) == 0:  # no users yet: items' own vectors stand in
            matrix, _ = self._store.matrix_view()
            rows = np.random.default_rng(0).choice(len(matrix), min(_PROBES, len(matrix)), replace=False)
            queries = matrix[np.sort(rows)]
        return np.asarray(queries, dtype=np.float32).reshape(-1, features)


def _best(
    candidates: list[tuple[str, float]],
    how_many: int,
    exclude: Collection[str],
    is_filtered: IsFiltered | None,
    rescore: Rescore | None,
) -> list[tuple[str, float]]:
    """The best of (ID, score) candidates sorted best first: excluded and filtered IDs dropped, every survivor
    rescored when there is a rescorer (NaN drops it, as in Oryx 2), else the first ``how_many``."""
    result: list[tuple[str, float]] = []
    for id_, score in candidates:
        if id_ in exclude or (is_filtered is not None and is_filtered(id_)):
            continue
        if rescore is not None:
            score = rescore(id_, score)
            if score != score:
                continue
        elif len(result) == how_many:
            break
        result.append((id_, score))
    if rescore is not None:
        result.sort(key=lambda pair: -pair[1])
    return result


def _exact_top(matrix: np.ndarray, queries: np.ndarray, top: int) -> list[list[int]]:
    """Rows of the ``top`` largest dot products per query, brute force in row chunks to bound memory."""
    best_scores = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_rows = np.zeros((len(queries), 0), dtype=np.int64)
    for start in range(0, len(matrix), _EXACT_CHUNK_ROWS):
        scores = queries @ matrix[start : start + _EXACT_CHUNK_ROWS].T
        rows = np.broadcast_to(np.arange(start, start + scores.shape[1]), scores.shape)
        all_scores = np.concatenate([best_scores, scores], axis=1)
        all_rows = np.concatenate([best_rows, rows], axis=1)
        keep = np.argsort(-all_scores, axis=1, kind="stable")[:, :top]
        best_scores = np.take_along_axis(all_scores, keep, axis=1)
        best_rows = np.take_along_axis(all_rows, keep, axis=1)
    return best_rows.tolist()


def _follow(
    ref: weakref.ref[AnnItemSearch], wake: threading.Event, stop: threading.Event, idle: threading.Event
) -> None:
    """The indexer thread: works while there is work, sleeps on ``wake`` otherwise; ends with ``stop`` or when
    its ``AnnItemSearch`` is garbage (it holds it only weakly between steps)."""
    while not stop.is_set():
        search = ref()
        if search is None:
            return
        try:
            busy = search._index_some()
        except Exception:  # a bad step must not end the thread: queries would scan forever
            log.exception("ALS ANN indexer step failed; retrying in a second")
            busy = False
        finally:
            del search
        if not busy:
            idle.set()
            wake.wait(timeout=1.0)
            wake.clear()
