"""An HNSW graph over ALS item vectors (faiss ``IndexHNSWFlat``, inner product), keyed by item ID.

Why faiss rather than usearch or a hand-written graph: in the side-by-side benchmark
(``benchmarks/als_recommend.py``, README "Serving speed") faiss answered single queries 2-4x faster than usearch
at the same recall@10 on our vectors, and it releases the GIL while it searches, so request threads search on
every core at once (usearch 2.26 keeps the GIL through a search). What faiss's HNSW lacks is removal: a replaced or
removed item's graph node is only marked dead here and skipped in answers, and ``AnnItemSearch`` rebuilds the
graph when dead nodes outnumber live ones (after a new generation re-sent every vector).

faiss's HNSW may not be searched while it is being added to, so a readers-writer lock lets any number of
searches run together and an add run alone; adds come in small chunks so a query never waits long.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import faiss
import numpy as np

__all__ = ["HnswItemGraph", "ReadersWriterLock"]

DEFAULT_CONNECTIVITY = 32
"""faiss's default M: neighbours per node on the upper levels (2M on the bottom one)."""
DEFAULT_BUILD_EFFORT = 128
"""efConstruction: candidates kept while linking a new node. 128 rather than 64 builds half as fast but the graph
reaches recall@10 0.95 with a quarter of the search effort on MovieLens-derived vectors (2,858 against 710
queries/s on 300k items) and twice the rate on random ones (``benchmarks/als_ann.py``)."""


class ReadersWriterLock:
    """Many readers at once, or one writer; a waiting writer stops new readers from starving it."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    def acquire_read(self) -> None:
        with self._condition:
            while self._writer or self._writers_waiting:
                self._condition.wait()
            self._readers += 1

    def release_read(self) -> None:
        with self._condition:
            self._readers -= 1
            if self._readers == 0:
                self._condition.notify_all()

    @contextmanager
    def reading(self) -> Iterator[None]:
        self.acquire_read()
        try:
            yield
        finally:
            self.release_read()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._condition:
            self._writers_waiting += 1
            while self._writer or self._readers:
                self._condition.wait()
            self._writers_waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._condition:
                self._writer = False
                self._condition.notify_all()


class HnswItemGraph:
    """Item IDs -> graph nodes; ``search`` answers the IDs of the best live nodes by inner product.

    Thread-safe: ``add``/``remove`` hold the write lock, ``search`` a read lock.
    """

    def __init__(
        self, features: int, *, connectivity: int = DEFAULT_CONNECTIVITY, build_effort: int = DEFAULT_BUILD_EFFORT
    ) -> None:
        self.features = features
        self._index = faiss.IndexHNSWFlat(features, connectivity, faiss.METRIC_INNER_PRODUCT)
        self._index.hnsw.efConstruction = build_effort
        self._lock = ReadersWriterLock()
        self._node_ids: list[str] = []  # node -> item ID
        self._node_of: dict[str, int] = {}  # item ID -> its live node
        self._dead = np.zeros(1024, dtype=bool)
        self._search_params: dict[int, faiss.SearchParametersHNSW] = {}

    @property
    def live(self) -> int:
        return len(self._node_of)

    @property
    def dead(self) -> int:
        return len(self._node_ids) - len(self._node_of)

    def memory_bytes(self) -> int:
        """Bytes of the graph's vectors and links (faiss's arrays; the ID maps are not counted)."""
        hnsw = self._index.hnsw
        vectors = self._index.ntotal * self.features * 4
        return vectors + hnsw.neighbors.size() * 4 + hnsw.offsets.size() * 8 + hnsw.levels.size() * 4

    def add(self, ids: Sequence[str], matrix: np.ndarray) -> None:
        """Adds (or replaces) the IDs' vectors, row i for ``ids[i]``; a replaced ID's old node dies."""
        rows = np.ascontiguousarray(matrix, dtype=np.float32).reshape(-1, self.features)
        if len(rows) != len(ids):
            raise ValueError(f"{len(ids)} IDs but {len(rows)} vectors")
        with self._lock.writing():
            first = len(self._node_ids)
            if first + len(ids) > len(self._dead):
                grown = np.zeros(max(2 * len(self._dead), first + len(ids)), dtype=bool)
                grown[:first] = self._dead[:first]
                self._dead = grown
            self._index.add(rows)
            for node, id_ in enumerate(ids, start=first):
                old = self._node_of.get(id_)  # also an ID repeated in this call: its last row wins
                if old is not None:
                    self._dead[old] = True
                self._node_of[id_] = node
                self._node_ids.append(id_)

    def remove(self, ids: Sequence[str]) -> None:
        """The IDs' nodes die (unknown IDs are ignored)."""
        with self._lock.writing():
            for id_ in ids:
                node = self._node_of.pop(id_, None)
                if node is not None:
                    self._dead[node] = True

    def search(self, query: np.ndarray, how_many: int, effort: int) -> list[tuple[str, float]]:
        """Up to ``how_many`` (ID, inner product) of live nodes with the largest inner product with ``query``,
        best first.

        ``effort`` is efSearch (raised to ``how_many``): the candidates kept while walking the graph. Dead nodes
        are fetched too and dropped here, so fewer than ``how_many`` may come back.
        """
        if how_many <= 0:
            return []
        query_row = np.ascontiguousarray(query, dtype=np.float32).reshape(1, self.features)
        self._lock.acquire_read()  # not the context manager: its generator costs more than the rest of the Python
        try:
            nodes_total = len(self._node_ids)
            if nodes_total == 0:
                return []
            dead_count = self.dead
            wanted = min(nodes_total, how_many + min(dead_count, how_many))
            scores, nodes = self._index.search(query_row, wanted, params=self._params(max(effort, wanted)))
            node_ids, dead = self._node_ids, self._dead
            pairs = zip(nodes[0].tolist(), scores[0].tolist(), strict=True)
            found = [(node, score) for node, score in pairs if node >= 0]
            if dead_count:
                found = [(node, score) for node, score in found if not dead[node]]
            return [(node_ids[node], score) for node, score in found[:how_many]]
        finally:
            self._lock.release_read()

    def _params(self, effort: int) -> faiss.SearchParametersHNSW:
        """Search parameters per efSearch, made once each (a SWIG object per query costs more than the lock)."""
        params = self._search_params.get(effort)
        if params is None:
            params = faiss.SearchParametersHNSW()
            params.efSearch = effort
            self._search_params[effort] = params
        return params
