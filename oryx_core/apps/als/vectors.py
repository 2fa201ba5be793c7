"""Thread-safe ID -> float32 feature-vector store for ALS (X and Y), queried by vectorised top-N scoring.

The speed layer (fold-in) and serving (recommendations) keep X and Y in memory while the update topic keeps
changing them, and serving answers from many threads at once. ``FeatureVectors`` is that store.

Concurrency design: **append-only rows with versioned liveness** (a form of copy-on-write per row).

* Vectors live in one contiguous ``float32`` matrix grown by doubling. A published row is never written again:
  ``set`` of a known ID appends a new row and marks the old one dead as of a new version.
* A query takes a snapshot under a lock held only for O(1) work (buffer references, row count, version), then
  scores without any lock. Rows below the snapshot's count are immutable, so a reader never sees a torn row; a
  row is live in the snapshot if it had not died by the snapshot's version: exactly the store at that moment.
* Growth and compaction build *new* arrays under the writers' lock only and swap them in under the short lock:
  readers never wait on a long write, and snapshots keep using the arrays they hold.
* Dead rows are compacted away once they exceed a quarter of the live rows (bounded waste, O(k) amortised).

With an LSH (``oryx.als.sample-rate`` < 1) compaction also groups rows by LSH code, so that a query scans its
candidate partitions as contiguous slices (``partition_scan``). Parts: arrays and snapshots (``vector_buffers``),
rows scanned (``partition_scan``), top-N (``top_n``), arithmetic (``vector_math``); known items are
``known_items``. ``subscribe`` lets an index follow every write. Writers are serialised (one writers' lock);
readers block writers only for the O(1) snapshot step, plus O(len(exclude)) to resolve excluded IDs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace

import numpy as np

from oryx_core.apps.als.lsh import LocalitySensitiveHash
from oryx_core.apps.als.partition_scan import scan
from oryx_core.apps.als.top_n import IsFiltered, Rescore, select
from oryx_core.apps.als.vector_buffers import NEVER, Buffers, Snapshot
from oryx_core.apps.als.vector_math import chunked_gram

__all__ = ["ChangeListener", "FeatureVectors"]

ChangeListener = Callable[[Collection[str]], None]
_MIN_CAPACITY = 16
_COMPACT_SLACK = 64
_REGROUP_MIN_TAIL = 4_096  # rows; below this the ungrouped tail costs less to mask-scan than a regroup


class FeatureVectors:
    """A thread-safe map of ID -> k-dimensional float32 vector, stored as contiguous matrix rows.

    ``lsh``, when given and not exact, makes ``top_n``/``top_n_cosine`` scan only each query's LSH candidate
    rows (``oryx.als.sample-rate`` < 1); pass it for the item vectors Y. ``cosine_features``: cosine
    similarity compares only the first this many coordinates (a biased model's factors), all when None. See
    the module docstring for the concurrency guarantees.
    """

    def __init__(
        self,
        features: int,
        *,
        lsh: LocalitySensitiveHash | None = None,
        initial_capacity: int = 1024,
        cosine_features: int | None = None,
    ) -> None:
        if features <= 0:
            raise ValueError(f"features must be positive, got {features}")
        if lsh is not None and lsh.features != features:
            raise ValueError(f"LSH hashes {lsh.features} features but the vectors have {features}")
        self.cosine_features = features if cosine_features is None else cosine_features
        if not 0 < self.cosine_features <= features:
            raise ValueError(f"cosine_features must be in [1, {features}], got {self.cosine_features}")
        self.features = features
        self._lsh = lsh if lsh is not None and not lsh.is_exact else None
        self._write_lock = threading.Lock()  # serialises writers, held through growth and compaction
        self._lock = threading.Lock()  # guards the published state below; held for O(1) steps only
        self._buffers = self._allocate(max(_MIN_CAPACITY, initial_capacity))
        self._count = 0
        self._version = 0
        self._dead = 0
        self._id_to_row: dict[str, int] = {}
        self._recent: set[str] = set()
        self._listeners: list[ChangeListener] = []

    # ---- reading -------------------------------------------------------------------------------------

    def __len__(self) -> int:
        """Number of IDs with a vector (also ``size``)."""
        return len(self._id_to_row)

    size = property(__len__)

    @property
    def array_bytes(self) -> int:
        """Bytes of the arrays holding the vectors, as allocated; the IDs themselves are Python objects."""
        return self._buffers.nbytes

    def __contains__(self, id_: object) -> bool:
        return id_ in self._id_to_row

    def ids(self) -> list[str]:
        """A copy of the current IDs, in no particular order."""
        with self._lock:
            return list(self._id_to_row)

    def get(self, id_: str) -> np.ndarray | None:
        """A copy of the ID's vector, or None when unknown."""
        with self._lock:
            row = self._id_to_row.get(id_)
            return None if row is None else self._buffers.matrix[row].copy()

    def get_many(self, ids: Iterable[str]) -> list[np.ndarray | None]:
        """Copies of several vectors from one consistent moment, None for unknown IDs."""
        with self._lock:
            matrix = self._buffers.matrix
            rows = [self._id_to_row.get(id_) for id_ in ids]
            return [None if row is None else matrix[row].copy() for row in rows]

    def rows_of(self, ids: Sequence[str]) -> tuple[list[int], np.ndarray]:
        """(positions in ``ids`` of the known IDs, their vectors as rows of one new float32 matrix), from one
        consistent moment: ``get_many`` for callers that want a matrix, one copy instead of one per vector."""
        with self._lock:  # after it, the rows stay valid: published rows never change (module docstring)
            matrix, rows = self._buffers.matrix, [self._id_to_row.get(id_) for id_ in ids]
        positions = [position for position, row in enumerate(rows) if row is not None]
        return positions, matrix.take([rows[position] for position in positions], axis=0)

    def matrix_view(self) -> tuple[np.ndarray, list[str]]:
        """(matrix, ids): the live vectors as an (n, k) read-only float32 matrix and the ID of each row; a
        snapshot later writes never change: a view when no row is dead, else a compacted copy."""
        snapshot = self._snapshot(None)
        row_ids = snapshot.buffers.row_ids[: snapshot.count]
        if snapshot.live is None:
            view = snapshot.matrix.view()
            view.flags.writeable = False
            return view, row_ids
        rows = np.flatnonzero(snapshot.live)
        return snapshot.matrix[rows], [row_ids[row] for row in rows]

    def gram(self) -> np.ndarray:
        """XᵀX over the live vectors as a k×k float64 matrix, accumulated in chunks to bound memory."""
        snapshot = self._snapshot(None)
        return chunked_gram(snapshot.matrix, snapshot.live, self.features)

    def top_n(
        self,
        query: np.ndarray,
        how_many: int,
        exclude: Collection[str] | None = None,
        *,
        is_filtered: IsFiltered | None = None,
        rescore: Rescore | None = None,
        candidate_rows: np.ndarray | None = None,
        approximate: bool = True,
    ) -> list[tuple[str, float]]:
        """The ``how_many`` IDs with the largest dot product with ``query``, best first, as (id, score).

        * ``exclude``: IDs that never appear (vectorised, so no over-fetching is needed for them).
        * ``is_filtered(id)``: True drops the ID. Evaluated lazily from the best score down, over-fetching
          more candidates until ``how_many`` pass.
        * ``rescore(id, score)``: the new score, NaN dropping the ID (Oryx 2's ``Rescorer``). A rescore may
          promote any ID, so it is called for every scanned row: one Python call per row.
        * ``approximate``: with an ``lsh`` given to the constructor, scan only the query's LSH candidates.
        * ``candidate_rows``: scan only these internal rows instead (numbered as ``matrix_view()`` numbers
          them while no row is dead); prefer the constructor's ``lsh``, whose codes follow compaction.

        NaN scores never appear. Equal scores keep row (insertion) order.
        """
        q = self._query(query)
        snapshot = self._snapshot(exclude)
        scanned, scores = scan(self._lsh, snapshot, q, candidate_rows, approximate)
        return select(snapshot, scanned, scores, how_many, is_filtered, rescore)

    def top_n_cosine(
        self,
        query: np.ndarray,
        how_many: int,
        exclude: Collection[str] | None = None,
        *,
        is_filtered: IsFiltered | None = None,
        rescore: Rescore | None = None,
        candidate_rows: np.ndarray | None = None,
        approximate: bool = True,
    ) -> list[tuple[str, float]]:
        """Like ``top_n`` but scored by cosine similarity (of the first ``cosine_features`` coordinates); zero
        vectors (undefined cosine) never appear."""
        q = self._query(query)
        if self.cosine_features < self.features:
            q = q.copy()
            q[self.cosine_features :] = 0.0
        q_norm = np.float32(np.linalg.norm(q))
        snapshot = self._snapshot(exclude)
        scanned, dots = scan(self._lsh, snapshot, q, candidate_rows, approximate)
        norms = snapshot.buffers.norms[: snapshot.count]
        if scanned is not None:
            norms = scanned.take(norms)
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = dots / (norms * q_norm)
        scores[norms == 0.0] = np.nan
        return select(snapshot, scanned, scores, how_many, is_filtered, rescore)

    # ---- writing -------------------------------------------------------------------------------------

    def subscribe(self, listener: ChangeListener) -> None:
        """Calls ``listener(ids)`` after every write with the IDs whose vector was set or removed (an index that
        follows the store, such as serving's ANN graph). Called under the writers' lock: it must be quick."""
        with self._write_lock:
            self._listeners.append(listener)

    def _notify(self, ids: Collection[str]) -> None:
        for listener in self._listeners:
            listener(ids)

    def set(self, id_: str, vector: np.ndarray) -> None:
        """Sets (adds or replaces) the ID's vector; the ID also becomes "recent" (see ``retain_recent_and``)."""
        vec = np.asarray(vector, dtype=np.float32).reshape(-1)
        if vec.shape != (self.features,):
            raise ValueError(f"vector for {id_!r} has {vec.size} features, expected {self.features}")
        if not np.all(np.isfinite(vec)):
            raise ValueError(f"vector for {id_!r} has non-finite values")
        self._append([id_], vec.reshape(1, -1))

    def set_many(self, ids: Sequence[str], matrix: np.ndarray) -> None:
        """``set`` for many IDs at once (row i of ``matrix`` for ``ids[i]``; a repeated ID keeps its last row).

        One lock round and vectorised norms and hashes: bulk loads (a model's vectors, benchmarks) run at
        memory speed instead of one Python call per vector.
        """
        rows_in = np.asarray(matrix, dtype=np.float32).reshape(-1, self.features)
        if len(rows_in) != len(ids):
            raise ValueError(f"{len(ids)} IDs but {len(rows_in)} vectors")
        if not np.all(np.isfinite(rows_in)):
            raise ValueError("vectors have non-finite values")
        self._append(ids, rows_in)

    def _append(self, ids: Sequence[str], rows_in: np.ndarray) -> None:
        """Appends checked float32 rows as the IDs' current vectors, then publishes them (module docstring)."""
        with self._write_lock:
            self._recent.update(ids)
            first, added = self._count, len(ids)
            if first + added > len(self._buffers.died):
                self._publish_buffers(self._copy_rows(None, max(2 * first, first + added)))
            buffers = self._buffers
            buffers.matrix[first : first + added] = rows_in  # invisible to readers until the count is published
            buffers.norms[first : first + added] = np.linalg.norm(rows_in[:, : self.cosine_features], axis=1)
            buffers.died[first : first + added] = NEVER
            if buffers.codes is not None and self._lsh is not None:
                buffers.codes[first : first + added] = self._lsh.hash_rows(rows_in)
            buffers.row_ids.extend(ids)
            with self._lock:
                self._version += 1
                for row, id_ in enumerate(ids, start=first):
                    old_row = self._id_to_row.get(id_)
                    if old_row is not None:
                        buffers.died[old_row] = self._version
                        self._dead += 1
                    self._id_to_row[id_] = row
                self._count = first + added
            self._notify(ids)
            if self._lsh is not None and self._count - buffers.grouped > max(_REGROUP_MIN_TAIL, buffers.grouped // 4):
                self._compact_all()
            else:
                self._compact_if_wasteful()

    def remove(self, id_: str) -> bool:
        """Removes the ID's vector; True if it was present."""
        with self._write_lock:
            self._recent.discard(id_)
            with self._lock:
                row = self._id_to_row.pop(id_, None)
                if row is None:
                    return False
                self._version += 1
                self._buffers.died[row] = self._version
                self._dead += 1
            self._notify((id_,))
            self._compact_if_wasteful()
            return True

    def remove_all_except(self, ids: Collection[str]) -> int:
        """Keeps only the IDs in ``ids`` (compacting the matrix); returns how many were removed."""
        keep = ids if isinstance(ids, set | frozenset | dict) else set(ids)
        with self._write_lock:
            return self._remove_all_except(keep)

    def retain_recent_and(self, ids: Collection[str]) -> int:
        """Keeps the IDs in ``ids`` plus those set since the previous call, then forgets what was recent.

        This is the rule on a new ``MODEL``: IDs the model lists stay, and so do IDs the speed layer added
        after the model was computed. Returns how many IDs were removed.
        """
        with self._write_lock:
            keep = set(ids) | self._recent
            removed = self._remove_all_except(keep)
            self._recent = set()
            return removed

    def forget_recent(self) -> None:
        """Every current ID stops being "recent": the next ``retain_recent_and`` keeps only what it lists and
        what is set from now on."""
        with self._write_lock:
            self._recent = set()

    @property
    def ungrouped(self) -> int:
        """Live and dead rows set since the last grouping by LSH code, which approximate queries scan whole."""
        with self._lock:
            return self._count - self._buffers.grouped if self._lsh is not None else 0

    def regroup(self) -> None:
        """Groups every row by LSH code now, instead of when the ungrouped tail outgrows a quarter of the rows.

        Called once a model has finished loading: blocks of updates can leave up to a fifth of the rows in the
        tail, which every approximate query scans whole (1.8x faster than exact instead of 3.3x on 1M items).
        """
        with self._write_lock:
            if self._lsh is not None and self._count > self._buffers.grouped:
                self._compact_all()

    # ---- internals -----------------------------------------------------------------------------------

    def _allocate(self, capacity: int) -> Buffers:
        return Buffers(
            matrix=np.zeros((capacity, self.features), dtype=np.float32),
            norms=np.zeros(capacity, dtype=np.float32),
            died=np.full(capacity, NEVER, dtype=np.int64),
            codes=np.zeros(capacity, dtype=np.uint16) if self._lsh is not None else None,
            row_ids=[],
        )

    def _copy_rows(self, rows: np.ndarray | None, capacity: int) -> Buffers:
        """New buffers holding the given rows (in order; None for all rows) of the current ones.

        Never writes to the current arrays, which snapshots may still be reading.
        """
        old, count = self._buffers, self._count if rows is None else len(rows)
        new = self._allocate(max(_MIN_CAPACITY, capacity))
        picked = slice(0, count) if rows is None else rows
        new.matrix[:count] = old.matrix[picked]
        new.norms[:count] = old.norms[picked]
        new.died[:count] = old.died[picked]
        if new.codes is not None and old.codes is not None:
            new.codes[:count] = old.codes[picked]
        new.row_ids.extend(old.row_ids[:count] if rows is None else [old.row_ids[row] for row in rows.tolist()])
        if rows is None:  # growth keeps the row order, so the grouped prefix stays grouped
            new = replace(new, grouped=old.grouped, code_starts=old.code_starts)
        return new

    def _publish_buffers(self, buffers: Buffers) -> None:
        with self._lock:
            self._buffers = buffers

    def _remove_all_except(self, keep: Collection[str]) -> int:
        """``remove_all_except`` for a caller holding the writers' lock."""
        with self._lock:
            retained = {id_: row for id_, row in self._id_to_row.items() if id_ in keep}
        removed = len(self._id_to_row) - len(retained)
        if removed:
            gone = [id_ for id_ in self._id_to_row if id_ not in retained] if self._listeners else []
            self._compact(retained)
            self._notify(gone)
        self._recent.intersection_update(retained)
        return removed

    def _compact_if_wasteful(self) -> None:
        if self._dead > len(self._id_to_row) // 4 + _COMPACT_SLACK:
            self._compact_all()

    def _compact_all(self) -> None:
        with self._lock:
            retained = dict(self._id_to_row)
        self._compact(retained)

    def _compact(self, retained: dict[str, int]) -> None:
        """Rebuilds the buffers with only ``retained`` rows (grouped by LSH code); caller holds the writers' lock."""
        rows = np.fromiter(sorted(retained.values()), dtype=np.intp, count=len(retained))
        codes = self._buffers.codes
        if self._lsh is not None and codes is not None:
            rows = rows[np.argsort(codes[rows], kind="stable")]
        buffers = self._copy_rows(rows, 2 * len(rows))
        buffers.died[: len(rows)] = NEVER
        if self._lsh is not None and buffers.codes is not None:
            all_codes = np.arange((1 << self._lsh.num_hashes) + 1)
            starts = np.searchsorted(buffers.codes[: len(rows)], all_codes).astype(np.intp)
            buffers = replace(buffers, grouped=len(rows), code_starts=starts)
        with self._lock:
            self._buffers = buffers
            self._id_to_row = {id_: new_row for new_row, id_ in enumerate(buffers.row_ids)}
            self._count = len(rows)
            self._dead = 0
            self._version += 1

    def _snapshot(self, exclude: Collection[str] | None) -> Snapshot:
        with self._lock:
            buffers, count, version, dead = self._buffers, self._count, self._version, self._dead
            excluded = [self._id_to_row[id_] for id_ in exclude or () if id_ in self._id_to_row]
        live = None if dead == 0 else buffers.died[:count] > version
        return Snapshot(buffers, count, live, np.asarray(excluded, dtype=np.intp))

    def _query(self, query: np.ndarray) -> np.ndarray:
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        if q.shape != (self.features,):
            raise ValueError(f"query vector has {q.size} features, expected {self.features}")
        return q
