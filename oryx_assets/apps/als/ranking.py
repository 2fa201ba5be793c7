"""Implicit-feedback quality in one pass over the item vectors: top-N lists and AUC, of the model and of the
most-popular baseline at once.

Oryx 2 judged implicit models by a sampled AUC only, which says whether a test item outranks a random one, not
whether it reaches the top of a user's list, the place users look. Here each evaluation user's N best items are
those with the highest scores among all items, the user's training items excluded, as ``/recommend`` would answer;
a hit is a held-out positive. Next to them the same figures of recommending the most popular items.

Why one pass: every figure needs, per evaluation user, scores against many items, and the users are a bounded
sample (``MAX_RANKED_USERS``, chosen by ``evaluation_sample`` with their positives, training items and AUC
negatives). Their vectors and item sets travel with the task; every partition of item vectors is scored against
all of them with one matrix product (``scan_items``) and yields, per user, only its candidates for the top N of
the model and of the baseline (ties at the cut kept) and the scores of its AUC items. The driver merges those few
rows (``figures``). So a candidate costs one Spark job over the items, the baseline rides along for free, and no
item matrix is ever collected. Ties rank by item ID, as everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

TOP_N = 10
MAX_RANKED_USERS = 1000
"""Enough for a stable mean (its standard error is a few percent of it) at a bounded cost per candidate."""
SCANNED = "kind int, user int, item string, model double, popular double"
"""One row per candidate or scored pair: ``kind`` (below), the user's index, the item, both scores."""
MODEL_CANDIDATE, POPULAR_CANDIDATE, AUC_PAIR = 0, 1, 2


@dataclass(frozen=True)
class EvaluationUsers:
    """The users scored, in ID order, with what each needs (from ``evaluation_sample``)."""

    ids: list[str]
    vectors: np.ndarray  # (users, k) float32
    positives: list[frozenset[str]]
    known: list[frozenset[str]]
    negatives: list[list[str]]  # drawn with replacement: an item may repeat
    test_rows: int  # every test positive, sampled user or not


@dataclass(frozen=True)
class Figures:
    precision: float
    ndcg: float
    auc: float


def scan_items(users: EvaluationUsers, n: int = TOP_N) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    """A ``mapInPandas`` function over ``(id, features, popularity)`` item rows, yielding ``SCANNED`` rows."""
    auc_items = [
        positives | set(negatives) for positives, negatives in zip(users.positives, users.negatives, strict=True)
    ]

    def scan(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            if not batch.empty:
                yield _scan_batch(users, auc_items, batch, n)

    return scan


def _scan_batch(users: EvaluationUsers, auc_items: list[set[str]], batch: pd.DataFrame, n: int) -> pd.DataFrame:
    items = batch["id"].to_numpy(dtype=object)
    popularity = batch["popularity"].to_numpy(dtype=np.float64)
    scores = np.stack(batch["features"].to_numpy()).astype(np.float32) @ users.vectors.T  # (items, users)
    row_of = {item: row for row, item in enumerate(items)}
    parts = [_auc_pairs(auc_items, row_of, scores, popularity)]
    unknown = np.ones(scores.shape, dtype=bool)
    for column, known in enumerate(users.known):
        unknown[[row_of[item] for item in known if item in row_of], column] = False
    parts.append(_model_candidates(scores, unknown, n))
    parts.append(_popular_candidates(items, popularity, unknown, n))
    kinds, user_columns, rows = (np.concatenate(values) for values in zip(*parts, strict=True))
    return pd.DataFrame(
        {
            "kind": kinds.astype(np.int32),
            "user": user_columns.astype(np.int32),
            "item": items[rows],
            "model": scores[rows, user_columns].astype(np.float64),
            "popular": popularity[rows],
        }
    )


Selection = tuple[np.ndarray, np.ndarray, np.ndarray]
"""(kind, user column, item row) of the rows a batch yields."""


def _selection(kind: int, columns: np.ndarray, rows: np.ndarray) -> Selection:
    return np.full(len(rows), kind), np.asarray(columns, dtype=np.int64), np.asarray(rows, dtype=np.int64)


def _auc_pairs(
    auc_items: list[set[str]], row_of: dict[object, int], scores: np.ndarray, popularity: np.ndarray
) -> Selection:
    pairs = [(column, row_of[item]) for column, wanted in enumerate(auc_items) for item in wanted if item in row_of]
    table = np.asarray(pairs, dtype=np.int64).reshape(len(pairs), 2)
    return _selection(AUC_PAIR, table[:, 0], table[:, 1])


def _model_candidates(scores: np.ndarray, unknown: np.ndarray, n: int) -> Selection:
    """Per user, every unknown item scoring at least its n-th best unknown score in this batch: the batch's share
    of the user's top n, ties at the cut included, so the merge can break them by item ID."""
    masked = np.where(unknown, scores, -np.inf)
    if len(masked) > n:
        cut = np.partition(masked, len(masked) - n, axis=0)[len(masked) - n]
        chosen = unknown & (masked >= cut[np.newaxis, :])
    else:
        chosen = unknown
    rows, columns = np.nonzero(chosen)
    return _selection(MODEL_CANDIDATE, columns, rows)


def _popular_candidates(items: np.ndarray, popularity: np.ndarray, unknown: np.ndarray, n: int) -> Selection:
    """Per user, the batch's n most popular unknown items (ties by item ID): one order shared by every user."""
    order = np.lexsort((items.astype(str), -popularity))
    ranked_unknown = unknown[order]  # (items in popularity order, users)
    taken = np.cumsum(ranked_unknown, axis=0) <= n
    places, columns = np.nonzero(ranked_unknown & taken)
    return _selection(POPULAR_CANDIDATE, columns, order[places])


def figures(users: EvaluationUsers, scanned: pd.DataFrame, score: str, kind: int, n: int = TOP_N) -> Figures:
    """Mean precision@n, NDCG@n and AUC over the users, ranking by the ``score`` column ("model" or "popular")
    among the rows of ``kind``; NaN when no user can be scored."""
    if not users.ids:
        return Figures(float("nan"), float("nan"), float("nan"))
    precision, ndcg = _top_n(users, scanned[scanned["kind"] == kind], score, n)
    return Figures(precision, ndcg, _mean_auc(users, scanned[scanned["kind"] == AUC_PAIR], score))


def _top_n(users: EvaluationUsers, candidates: pd.DataFrame, score: str, n: int) -> tuple[float, float]:
    ranked = candidates.sort_values(["user", score, "item"], ascending=[True, False, True])
    lists = ranked.groupby("user", sort=False)["item"].apply(lambda items: list(items[:n]))
    discounts = 1.0 / np.log2(np.arange(2, n + 2))
    precisions, ndcgs = [], []
    for column, positives in enumerate(users.positives):
        hits = [item in positives for item in lists.get(column, [])]
        precisions.append(sum(hits) / n)
        ideal = discounts[: min(n, len(positives))].sum()
        ndcgs.append(float(np.dot(hits, discounts[: len(hits)])) / ideal)
    return float(np.mean(precisions)), float(np.mean(ndcgs))


def _mean_auc(users: EvaluationUsers, pairs: pd.DataFrame, score: str) -> float:
    """Oryx 2's mean per-user AUC: the share of (positive, negative) pairs whose positive scores strictly higher,
    over users with a negative."""
    scores = {
        (int(user), item): value for user, item, value in zip(pairs["user"], pairs["item"], pairs[score], strict=True)
    }
    aucs = []
    for column, (positives, negatives) in enumerate(zip(users.positives, users.negatives, strict=True)):
        if not negatives:
            continue
        below = np.sort([scores[column, item] for item in negatives])
        above = np.searchsorted(below, [scores[column, item] for item in positives], side="left")
        aucs.append(above.sum() / (len(positives) * len(negatives)))
    return float(np.mean(aucs)) if aucs else float("nan")
