"""The arrays behind a ``FeatureVectors`` store, and the consistent snapshot a query reads them through.

See ``vectors`` for the concurrency design: rows below a published count are immutable, and a row is live in a
snapshot when it had not died by the snapshot's version.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["NEVER", "Buffers", "Snapshot"]

NEVER = np.iinfo(np.int64).max
"""The ``died`` version of a row that is still current."""


@dataclass(frozen=True, slots=True)
class Buffers:
    """Arrays replaced as a whole on growth and compaction; rows below the published count are immutable."""

    matrix: np.ndarray  # (capacity, k) float32
    norms: np.ndarray  # (capacity,) float32, Euclidean norm of each row (cosine scoring)
    died: np.ndarray  # (capacity,) int64, version at which the row stopped being current; NEVER if current
    codes: np.ndarray | None  # (capacity,) uint16 LSH codes, or None without LSH
    row_ids: list[str]  # append-only between compactions
    grouped: int = 0  # rows [0, grouped) are sorted by code (LSH only)
    code_starts: np.ndarray | None = None  # (2^h + 1,) first grouped row of each code, then ``grouped``

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays (``row_ids`` aside: a list of Python strings)."""
        arrays = (self.matrix, self.norms, self.died, self.codes, self.code_starts)
        return sum(array.nbytes for array in arrays if array is not None)


@dataclass(frozen=True, slots=True)
class Snapshot:
    buffers: Buffers
    count: int
    live: np.ndarray | None  # bool per row below count, None when every row is live
    excluded_rows: np.ndarray  # rows of the excluded IDs that exist in this snapshot

    @property
    def matrix(self) -> np.ndarray:
        return self.buffers.matrix[: self.count]
