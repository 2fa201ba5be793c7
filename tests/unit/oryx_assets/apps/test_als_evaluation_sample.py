"""The implicit evaluation's sample of users (``evaluation_sample``) on small Spark frames, against its rules."""

from __future__ import annotations

import random

import pytest
from pyspark.sql import SparkSession

from oryx_assets.apps.als import evaluation_sample
from oryx_assets.apps.als.evaluation_sample import EXTRA_DRAWS, evaluation_users


def _frames(spark: SparkSession, users: int = 30, items: int = 25, seed: int = 4):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    item_ids = [f"i{n:02d}" for n in range(items)]
    test = {f"u{n:02d}": rng.sample(item_ids, rng.randint(1, 5)) for n in range(users)}
    train = {user: rng.sample(sorted(set(item_ids) - set(held)), rng.randint(0, 6)) for user, held in test.items()}
    positives = spark.createDataFrame([(u, i) for u, held in test.items() for i in held], "user string, item string")
    training = spark.createDataFrame([(u, i) for u, known in train.items() for i in known], "user string, item string")
    x = spark.createDataFrame([(u, [float(n), 1.0]) for n, u in enumerate(test)], "id string, features array<float>")
    return test, train, positives, training, x


def test_every_test_user_is_scored_with_its_own_positives_known_items_and_vector(spark: SparkSession) -> None:
    test, train, positives, training, x = _frames(spark)
    users = evaluation_users(spark, positives, training, x, seed=7)
    assert users.ids == sorted(test)
    assert users.test_rows == sum(map(len, test.values()))
    assert [set(p) for p in users.positives] == [set(test[u]) for u in users.ids]
    assert [set(k) for k in users.known] == [set(train[u]) for u in users.ids]
    assert [list(v) for v in users.vectors] == [[float(sorted(test).index(u)), 1.0] for u in users.ids]


def test_negatives_are_other_test_items_at_most_one_per_positive_and_repeat_with_the_seed(spark: SparkSession) -> None:
    test, _, positives, training, x = _frames(spark)
    test_items = {item for held in test.values() for item in held}
    first = evaluation_users(spark, positives, training, x, seed=7)
    for user, negatives in zip(first.ids, first.negatives, strict=True):
        assert len(negatives) <= len(test[user])
        assert set(negatives) <= test_items - set(test[user])
    # With 25 items and at most 5 positives, 2n + 10 draws nearly always find n others: most users have n.
    full = sum(len(n) == len(test[u]) for u, n in zip(first.ids, first.negatives, strict=True))
    assert full >= len(first.ids) * 0.8
    assert evaluation_users(spark, positives, training, x, seed=7).negatives == first.negatives
    assert evaluation_users(spark, positives, training, x, seed=8).negatives != first.negatives
    assert EXTRA_DRAWS == 10  # Oryx 2 drew until it had n; 2n + 10 bounds the draws (module doc)


def test_a_large_test_set_is_sampled_to_the_bound_the_same_way_each_run(
    spark: SparkSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    test, _, positives, training, x = _frames(spark)
    monkeypatch.setattr(evaluation_sample, "MAX_RANKED_USERS", 8)
    sampled = evaluation_users(spark, positives, training, x, seed=3)
    assert len(sampled.ids) == 8 and sampled.ids == sorted(sampled.ids) and set(sampled.ids) <= set(test)
    assert sampled.test_rows == sum(map(len, test.values()))  # every positive counts, sampled or not
    assert evaluation_users(spark, positives, training, x, seed=3).ids == sampled.ids
    assert evaluation_users(spark, positives, training, x, seed=4).ids != sampled.ids


def test_no_test_positive_means_no_user(spark: SparkSession) -> None:
    _, _, positives, training, x = _frames(spark)
    users = evaluation_users(spark, positives.limit(0), training, x, seed=1)
    assert users.ids == [] and users.test_rows == 0 and users.vectors.shape == (0, 0)
