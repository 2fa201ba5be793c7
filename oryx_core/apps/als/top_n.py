"""Picking the best-scored rows of a scan: exclusions, filters, rescoring, and a partial sort that stays cheap.

A scan (``partition_scan``) gives one float32 score per scanned row; this module turns them into the top
``how_many`` (id, score) pairs, as Oryx 2's ``TopNConsumer`` does with a heap, but vectorised.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from oryx_core.apps.als.partition_scan import ScannedRows
from oryx_core.apps.als.vector_buffers import Snapshot

__all__ = ["IsFiltered", "Rescore", "select"]

_SELECT_GROUPS = 1_024  # see _threshold

IsFiltered = Callable[[str], bool]
Rescore = Callable[[str, float], float]


def select(
    snapshot: Snapshot,
    scanned: ScannedRows | None,
    scores: np.ndarray,
    how_many: int,
    is_filtered: IsFiltered | None,
    rescore: Rescore | None,
) -> list[tuple[str, float]]:
    """The best ``how_many`` (id, score) of a scan, best first: dead and excluded rows never, NaN never, the
    filter applied lazily from the best down, or every candidate rescored when there is a ``rescore``."""
    if how_many <= 0 or len(scores) == 0:
        return []
    row_ids = snapshot.buffers.row_ids
    if rescore is None:
        return _filtered_top(row_ids, scanned, _masked_scores(snapshot, scanned, scores), how_many, is_filtered)
    valid = ~np.isnan(scores)
    if scanned is None:
        if snapshot.live is not None:
            valid &= snapshot.live
        valid[snapshot.excluded_rows] = False
    else:
        if snapshot.live is not None:
            valid &= scanned.take(snapshot.live)
        if len(snapshot.excluded_rows):
            valid[scanned.positions_of(snapshot.excluded_rows)] = False
    positions = np.flatnonzero(valid)
    candidate_rows = positions if scanned is None else scanned.rows_at(positions)
    return _rescored_top(row_ids, candidate_rows, scores[positions], how_many, is_filtered, rescore)


def _masked_scores(snapshot: Snapshot, scanned: ScannedRows | None, scores: np.ndarray) -> np.ndarray:
    """The scores (changed in place) with dead and excluded rows at -inf. NaN scores stay: ``_best_first``
    never picks them, which saves a pass over every score."""
    if scanned is None:
        if snapshot.live is not None:
            np.copyto(scores, -np.inf, where=~snapshot.live)
        scores[snapshot.excluded_rows] = -np.inf
    else:
        if snapshot.live is not None:
            np.copyto(scores, -np.inf, where=~scanned.take(snapshot.live))
        if len(snapshot.excluded_rows):
            scores[scanned.positions_of(snapshot.excluded_rows)] = -np.inf
    return scores


def _threshold(scores: np.ndarray, how_many: int) -> float:
    """A score no higher than the ``how_many``-th best, yet reached by few scores; -inf when not worth it.

    The scores are split into ``_SELECT_GROUPS`` interleaved groups: at least ``how_many`` scores reach the
    ``how_many``-th largest group maximum, so the best ``how_many`` all do. Two vectorised passes (maxima, then
    compare) replace a partial sort of every score, about 4x cheaper on 1M scores (NaN maxima count as -inf).
    """
    length = len(scores) // _SELECT_GROUPS
    if how_many * 4 > _SELECT_GROUPS or length < 4:
        return -math.inf
    maxima = np.fmax.reduce(scores[: length * _SELECT_GROUPS].reshape(length, _SELECT_GROUPS), axis=0)
    np.fmax(maxima, -np.inf, out=maxima)
    return float(np.partition(maxima, _SELECT_GROUPS - how_many)[_SELECT_GROUPS - how_many])


def _best_first(scores: np.ndarray, how_many: int) -> np.ndarray:
    """Positions of the ``how_many`` largest scores, best first; NaN never. Equal scores keep position order."""
    candidates = np.flatnonzero(scores >= _threshold(scores, max(1, how_many)))
    if how_many < len(candidates):
        chosen = candidates[np.argpartition(-scores[candidates], how_many - 1)[:how_many]]
        chosen.sort()
    else:
        chosen = candidates
    return chosen[np.argsort(-scores[chosen], kind="stable")]


def _filtered_top(
    row_ids: list[str],
    scanned: ScannedRows | None,
    scores: np.ndarray,
    how_many: int,
    is_filtered: IsFiltered | None,
) -> list[tuple[str, float]]:
    """Over-fetches the best candidates, growing the fetch fourfold until ``how_many`` survive the filter.

    ``scanned`` maps score positions to rows (None: position = row); -inf marks rows that must not appear.
    """
    fetch = how_many if is_filtered is None else max(2 * how_many, how_many + 16)
    while True:
        best = _best_first(scores, min(fetch, len(scores)))
        rows = best if scanned is None else scanned.rows_at(best)
        result: list[tuple[str, float]] = []
        for position, row in zip(best.tolist(), rows.tolist(), strict=True):
            score = float(scores[position])
            if score == -math.inf:  # best first, so only masked rows follow
                return result
            id_ = row_ids[row]
            if is_filtered is None or not is_filtered(id_):
                result.append((id_, score))
                if len(result) == how_many:
                    return result
        if fetch >= len(scores):
            return result
        fetch *= 4


def _rescored_top(
    row_ids: list[str],
    rows: np.ndarray,
    scores: np.ndarray,
    how_many: int,
    is_filtered: IsFiltered | None,
    rescore: Rescore,
) -> list[tuple[str, float]]:
    kept_ids: list[str] = []
    kept_scores: list[float] = []
    for row, score in zip(rows.tolist(), scores.tolist(), strict=True):
        id_ = row_ids[row]
        if is_filtered is not None and is_filtered(id_):
            continue
        new_score = rescore(id_, score)
        if new_score == new_score:  # NaN excludes, as in Oryx 2
            kept_ids.append(id_)
            kept_scores.append(new_score)
    rescored = np.asarray(kept_scores, dtype=np.float64)
    return [(kept_ids[position], float(rescored[position])) for position in _best_first(rescored, how_many)]
