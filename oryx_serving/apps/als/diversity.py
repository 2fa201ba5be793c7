"""The ``diversity`` parameter of ``/recommend*`` and ``/similarity``: maximal marginal relevance re-ranking.

Top-N lists by score alone are often near-copies of one item (the sequels of a film, one shirt in five colours).
With ``diversity`` = d in (0, 1], the best ``pool_size`` candidates are fetched as usual (known items, filters and
rescorers applied) and the answer is picked from them greedily by maximal marginal relevance (Carbonell and
Goldstein, SIGIR 1998): each next item maximises ``(1 - d) * relevance - d * similarity``, where relevance is
the candidate's score scaled to [0, 1] over the pool and similarity is its highest cosine (item factors only) to
an item already picked. d = 0 (the default, and Oryx 2's behaviour) is the plain ranking; d = 1 takes the best
item, then each time the one least like those already taken. Each item keeps its own score in the answer, so
a diverse list is not sorted by score. ``offset`` pages through the re-ranked list.

The pool is ``POOL_FACTOR`` times what the page needs, and at least ``MIN_POOL``: wide enough to find items of
other kinds, narrow enough that every one of them is still relevant. Every page within the first
``MIN_POOL / POOL_FACTOR`` (50) results is picked from the same pool, so paging with ``offset`` there neither
repeats nor skips an item. The greedy pick costs one pool-wide vector product per answer item, so
``howMany + offset`` is capped at ``MAX_DIVERSE`` when d > 0.
"""

from __future__ import annotations

import math
from collections.abc import Collection

import numpy as np
from flask import request

from oryx_core.apps.als.rescorer import Rescorer
from oryx_serving.apps.als.model import ALSServingModel
from oryx_serving.lambda_.errors import check, fail
from oryx_serving.lambda_.registry import Param

DIVERSITY = Param(
    "diversity",
    "0 (default: by score) to 1: re-rank the top candidates by maximal marginal relevance on item cosine",
    example="0",
    type="number",
)
POOL_FACTOR = 4
MIN_POOL = 200
MAX_DIVERSE = 1_000


def diversity() -> float:
    """The request's ``diversity`` (0 when absent), or 400 unless it is a number in [0, 1]."""
    raw = request.args.get("diversity", "").strip()
    if raw == "":
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        fail(400, f"diversity must be a number in [0, 1], got {raw!r}")
    check(math.isfinite(value) and 0.0 <= value <= 1.0, f"diversity must be a number in [0, 1], got {raw!r}")
    return value


def pool_size(wanted: int) -> int:
    return max(POOL_FACTOR * wanted, MIN_POOL)


def top_items(
    als: ALSServingModel,
    query: np.ndarray,
    wanted: int,
    exclude: Collection[str],
    rescorer: Rescorer | None,
    *,
    cosine: bool = False,
) -> list[tuple[str, float]]:
    """``als.top_items``, re-ranked for the request's ``diversity`` (unchanged when it is 0)."""
    amount = diversity()
    if amount == 0.0:
        return als.top_items(query, wanted, exclude, rescorer, cosine=cosine)
    check(wanted <= MAX_DIVERSE, f"howMany + offset must be at most {MAX_DIVERSE} with diversity > 0")
    pool = als.top_items(query, pool_size(wanted), exclude, rescorer, cosine=cosine)
    present, vectors = als.y.rows_of([id_ for id_, _ in pool])
    pool = [pool[position] for position in present]  # an item removed meanwhile cannot be compared
    return rerank(pool, als.layout.factor_part(vectors), wanted, amount)


def rerank(pool: list[tuple[str, float]], vectors: np.ndarray, wanted: int, amount: float) -> list[tuple[str, float]]:
    """Up to ``wanted`` of ``pool`` ((ID, score), best first; row i of ``vectors`` is item i's factors), picked by
    maximal marginal relevance with weight ``amount`` on dissimilarity; ties go to the better-scored item."""
    if not pool or amount == 0.0:
        return pool[:wanted]
    scores = np.array([score for _, score in pool], dtype=np.float64)
    spread = scores.max() - scores.min()
    relevance = (scores - scores.min()) / spread if spread > 0 else np.ones(len(pool))
    matrix = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1)
    units = matrix / np.where(norms > 0, norms, 1.0)[:, np.newaxis]  # a zero vector is like nothing
    closest = np.full(len(pool), -np.inf)  # highest cosine to a picked item; -inf while none is picked
    available = np.ones(len(pool), dtype=bool)
    picked: list[int] = []
    for _ in range(min(wanted, len(pool))):
        penalty = np.where(np.isfinite(closest), closest, 0.0)
        value = np.where(available, (1.0 - amount) * relevance - amount * penalty, -np.inf)
        best = int(np.argmax(value))  # the first maximum: the better-scored of tied candidates
        picked.append(best)
        available[best] = False
        closest = np.maximum(closest, units @ units[best])
    return [pool[position] for position in picked]
