"""The one-pass implicit scoring (``ranking``) against a brute-force reference, and end to end on tiny data."""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
import pytest
from pyspark.sql import DataFrame, SparkSession

from oryx_assets.apps.als.evaluation import implicit_evaluation
from oryx_assets.apps.als.ranking import (
    MODEL_CANDIDATE,
    POPULAR_CANDIDATE,
    EvaluationUsers,
    figures,
    scan_items,
)


def random_case(seed: int, users: int = 6, items: int = 40) -> tuple[EvaluationUsers, pd.DataFrame]:
    """Small integer vectors and popularity counts, so float32 scores are exact and ties are frequent."""
    rng = random.Random(seed)
    ids = [f"i{n:02d}" for n in range(items)]
    catalog = pd.DataFrame(
        {
            "id": ids,
            "features": [np.array([rng.randint(-2, 2) for _ in range(3)], dtype=np.float32) for _ in ids],
            "popularity": [float(rng.randint(0, 4)) for _ in ids],
        }
    )
    positives = [frozenset(rng.sample(ids, rng.randint(1, 4))) for _ in range(users)]
    known = [frozenset(rng.sample(sorted(set(ids) - p), rng.randint(0, 12))) for p in positives]
    test_items = sorted(set().union(*positives))
    negatives = [
        [item for item in rng.choices(test_items, k=2 * len(p) + 10) if item not in p][: len(p)] for p in positives
    ]
    vectors = np.array([[rng.randint(-2, 2) for _ in range(3)] for _ in range(users)], dtype=np.float32)
    evaluation_users = EvaluationUsers(
        [f"u{n}" for n in range(users)], vectors, positives, known, negatives, sum(map(len, positives))
    )
    return evaluation_users, catalog


def reference(users: EvaluationUsers, catalog: pd.DataFrame, popular: bool, n: int = 10) -> tuple[float, float, float]:
    """Every unknown item ranked by (score desc, ID), and every (positive, negative) pair compared."""
    matrix = np.stack(catalog["features"].to_numpy())
    precisions, ndcgs, aucs = [], [], []
    for column, user_id in enumerate(users.ids):
        scores = catalog["popularity"].to_numpy() if popular else matrix @ users.vectors[column]
        score_of = dict(zip(catalog["id"], scores, strict=True))
        unknown = [item for item in catalog["id"] if item not in users.known[column]]
        top = sorted(unknown, key=lambda item: (-score_of[item], item))[:n]
        hits = [item in users.positives[column] for item in top]
        precisions.append(sum(hits) / n)
        ideal = sum(1 / math.log2(place + 2) for place in range(min(n, len(users.positives[column]))))
        ndcgs.append(sum(1 / math.log2(place + 2) for place, hit in enumerate(hits) if hit) / ideal)
        negatives = users.negatives[column]
        if negatives:
            wins = sum(score_of[p] > score_of[q] for p in users.positives[column] for q in negatives)
            aucs.append(wins / (len(users.positives[column]) * len(negatives)))
        assert user_id
    return float(np.mean(precisions)), float(np.mean(ndcgs)), float(np.mean(aucs))


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("batch_rows", [1, 7, 40])
def test_scanning_in_batches_gives_the_brute_force_figures(seed: int, batch_rows: int) -> None:
    users, catalog = random_case(seed)
    scan = scan_items(users, n=10)
    batches = [catalog.iloc[start : start + batch_rows] for start in range(0, len(catalog), batch_rows)]
    scanned = pd.concat(list(scan(iter(batches))), ignore_index=True)
    for popular, (score, kind) in ((False, ("model", MODEL_CANDIDATE)), (True, ("popular", POPULAR_CANDIDATE))):
        found = figures(users, scanned, score, kind, n=10)
        assert (found.precision, found.ndcg, found.auc) == pytest.approx(reference(users, catalog, popular))


def test_a_batch_keeps_every_tie_at_its_cut_and_no_known_item() -> None:
    users = EvaluationUsers(["u"], np.array([[1.0]], dtype=np.float32), [frozenset({"d"})], [frozenset({"a"})], [[]], 1)
    catalog = pd.DataFrame(
        {"id": list("abcde"), "features": [np.array([v], dtype=np.float32) for v in (9, 5, 5, 5, 1)], "popularity": 0.0}
    )
    scanned = pd.concat(list(scan_items(users, n=2)(iter([catalog]))))
    model = scanned[scanned["kind"] == MODEL_CANDIDATE]
    assert sorted(model["item"]) == ["b", "c", "d"]  # "a" is known; b, c, d tie for the second place
    assert figures(users, scanned, "model", MODEL_CANDIDATE, n=2).precision == 0.0  # b, c win the tie by ID


def vectors(spark: SparkSession, rows: dict[str, list[float]]) -> DataFrame:
    floats = [(id_, [float(value) for value in features]) for id_, features in rows.items()]
    return spark.createDataFrame(floats, "id string, features array<float>")


def test_implicit_evaluation_scores_model_and_popularity_on_the_same_users(spark: SparkSession) -> None:
    x = vectors(spark, {"u1": [1, 0], "u2": [0, 1]})
    y = vectors(spark, {"a": [1, 0], "b": [0.5, 0], "c": [0, 1], "d": [0, 0.2]}).repartition(3)
    # u1: positives a (1), d (0); its only possible negative is c (0), drawn twice: a>c twice, d=c twice -> 2/4.
    # u2: positive c (1) beats either negative a (0) or d (0.2) -> 1. Model AUC 0.75. "z" has no vector: ignored.
    test = spark.createDataFrame(
        [("u1", "a", 1.0), ("u1", "d", 2.0), ("u2", "c", 1.0), ("u2", "z", 1.0), ("u3", "a", 1.0)],
        "user string, item string, strength double",
    )
    # Popularity: b by 2 users, c by 1. u1 knows b: its lists are a, c, d (model) and c, a, d (popular).
    train = spark.createDataFrame([("u1", "b"), ("u2", "b"), ("u3", "c")], "user string, item string")
    evaluation = implicit_evaluation(spark, test, train, x, y)
    assert evaluation.test_rows == 3
    assert evaluation.metrics["auc"] == pytest.approx(0.75)
    assert evaluation.metrics["precision_at_10"] == pytest.approx((2 / 10 + 1 / 10) / 2)
    # u1: hits at places 1 and 3 of 2 positives; u2 (knows b): c first -> 1.
    u1 = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert evaluation.metrics["ndcg_at_10"] == pytest.approx((u1 + 1) / 2)
    # Popular for u1: c (1), a (0), d (0) -> hits a at 2, d at 3. u2: c (1) first -> 1.
    popular_u1 = (1 / math.log2(3) + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert evaluation.baselines["most_popular"]["ndcg_at_10"] == pytest.approx((popular_u1 + 1) / 2)
    # Popular AUC: u1 a (0) vs c (1) and d (0) vs c: 0; u2 c (1) beats a or d (0): 1.
    assert evaluation.baselines["most_popular"]["auc"] == pytest.approx(0.5)


def test_implicit_evaluation_without_a_scorable_pair_is_nan(spark: SparkSession) -> None:
    x, y = vectors(spark, {"u1": [1.0]}), vectors(spark, {"a": [1.0]})
    test = spark.createDataFrame([("u9", "a", 1.0)], "user string, item string, strength double")
    train = spark.createDataFrame([("u1", "a")], "user string, item string")
    evaluation = implicit_evaluation(spark, test, train, x, y)
    assert evaluation.test_rows == 0 and math.isnan(evaluation.score) and math.isnan(evaluation.metrics["auc"])
