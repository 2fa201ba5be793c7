"""Which rows of a ``FeatureVectors`` store a query scores: all of them, given rows, or its LSH partitions.

With an LSH (``oryx.als.sample-rate`` < 1) compaction **groups rows by LSH code**: the rows of the grouped
prefix are sorted by code, with each code's first row recorded, so a query scores its candidate partitions as
contiguous slices of the matrix instead of gathering scattered rows (gathering costs as much as scanning
everything, which made the approximate mode no faster). Rows set since the last grouping form an ungrouped
tail, scanned by code mask; the store regroups once that tail exceeds a quarter of the grouped rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oryx_core.apps.als.lsh import LocalitySensitiveHash
from oryx_core.apps.als.vector_buffers import Buffers, Snapshot
from oryx_core.apps.als.vector_math import chunked_dot, dot_scores

__all__ = ["ScannedRows", "scan", "scan_partitions"]

_RUN_MERGE_GAP_ROWS = 32  # scanning a few non-candidate rows beats one more slice call (and only adds recall)


def scan(
    lsh: LocalitySensitiveHash | None,
    snapshot: Snapshot,
    q: np.ndarray,
    candidate_rows: np.ndarray | None,
    approximate: bool,
) -> tuple[ScannedRows | None, np.ndarray]:
    """(rows scanned or None for all, their dot products with ``q``): the given rows, the query's LSH
    partitions (``approximate`` with an ``lsh`` and grouped codes), or every row."""
    if candidate_rows is not None:
        rows = np.asarray(candidate_rows, dtype=np.intp)
        rows = rows[(rows >= 0) & (rows < snapshot.count)]
        return ScannedRows.of_rows(rows), dot_scores(snapshot.matrix, rows, q)
    if approximate and lsh is not None and snapshot.buffers.codes is not None:
        return scan_partitions(lsh, snapshot, q)
    return None, dot_scores(snapshot.matrix, None, q)


@dataclass(frozen=True, slots=True)
class ScannedRows:
    """The row of each score of a partial scan, kept as runs instead of one index per score.

    Scores ``offsets[r]:offsets[r + 1]`` belong to the contiguous rows from ``starts[r]`` on; the scores after
    ``offsets[-1]`` belong to the rows in ``tail``. Runs are ascending and disjoint, and tail rows lie after
    them. Selection maps back only the few positions it picks, so a query over 300k candidate rows never
    builds (nor gathers through) a 300k-entry row index.
    """

    starts: np.ndarray  # (runs,) intp
    offsets: np.ndarray  # (runs + 1,) intp: offsets[0] == 0, then cumulative run lengths
    tail: np.ndarray  # (t,) intp

    @classmethod
    def of_rows(cls, rows: np.ndarray) -> ScannedRows:
        return cls(np.zeros(0, dtype=np.intp), np.zeros(1, dtype=np.intp), rows)

    def rows_at(self, positions: np.ndarray) -> np.ndarray:
        """The row scored at each position."""
        in_runs = int(self.offsets[-1])
        rows = np.empty(len(positions), dtype=np.intp)
        of_runs = positions < in_runs
        picked = positions[of_runs]
        run = np.searchsorted(self.offsets, picked, side="right") - 1
        rows[of_runs] = self.starts[run] + picked - self.offsets[run]
        rows[~of_runs] = self.tail[positions[~of_runs] - in_runs]
        return rows

    def take(self, values: np.ndarray) -> np.ndarray:
        """``values[row]`` for each scanned row, in score order (one slice per run)."""
        ends = self.starts + np.diff(self.offsets)
        parts = [values[start:end] for start, end in zip(self.starts.tolist(), ends.tolist(), strict=True)]
        return np.concatenate([*parts, values[self.tail]])

    def positions_of(self, rows: np.ndarray) -> np.ndarray:
        """The positions holding any of ``rows`` (rows that were not scanned have none)."""
        ends = self.starts + np.diff(self.offsets)
        run = np.searchsorted(self.starts, rows, side="right") - 1
        inside = (run >= 0) & (rows < ends[np.maximum(run, 0)]) if len(self.starts) else np.zeros(len(rows), bool)
        in_runs = self.offsets[run[inside]] + rows[inside] - self.starts[run[inside]]
        in_tail = int(self.offsets[-1]) + np.flatnonzero(np.isin(self.tail, rows))
        return np.concatenate((in_runs, in_tail))


def _candidate_runs(
    lsh: LocalitySensitiveHash, buffers: Buffers, grouped: int, q: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the grouped rows whose codes the query scans, ascending; runs a few rows apart merged."""
    if not grouped or buffers.code_starts is None:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    edges = np.diff(np.concatenate(([0], lsh.candidate_code_mask(q).view(np.int8), [0])))
    starts = buffers.code_starts[np.flatnonzero(edges == 1)]
    ends = buffers.code_starts[np.flatnonzero(edges == -1)]
    nonempty = ends > starts
    starts, ends = starts[nonempty], ends[nonempty]
    if len(starts) > 1:
        breaks = np.flatnonzero(starts[1:] - ends[:-1] > _RUN_MERGE_GAP_ROWS)
        starts = np.concatenate((starts[:1], starts[breaks + 1]))
        ends = np.concatenate((ends[breaks], ends[-1:]))
    return starts, ends


def scan_partitions(lsh: LocalitySensitiveHash, snapshot: Snapshot, q: np.ndarray) -> tuple[ScannedRows, np.ndarray]:
    """Scores the query's candidate partitions as contiguous slices of the grouped rows (one BLAS call per
    run, so the number of runs, set by the number of hashes, is what a query pays beyond its rows), then
    the ungrouped tail's candidates by mask."""
    buffers, count = snapshot.buffers, snapshot.count
    grouped = min(buffers.grouped, count)
    starts, ends = _candidate_runs(lsh, buffers, grouped, q)
    assert buffers.codes is not None
    tail = grouped + np.flatnonzero(lsh.candidate_mask(q, buffers.codes[grouped:count]))
    offsets = np.zeros(len(starts) + 1, dtype=np.intp)
    np.cumsum(ends - starts, out=offsets[1:])
    in_runs = int(offsets[-1])
    scores = np.empty(in_runs + len(tail), dtype=np.float32)
    matrix = buffers.matrix
    for start, end, offset in zip(starts.tolist(), ends.tolist(), offsets.tolist(), strict=False):
        chunked_dot(matrix[start:end], q, scores[offset : offset + end - start])
    if len(tail):  # the break-even is against the tail's length: it is read as a whole when that is cheaper
        scores[in_runs:] = dot_scores(matrix[grouped:count], tail - grouped, q)
    return ScannedRows(starts, offsets, tail), scores
