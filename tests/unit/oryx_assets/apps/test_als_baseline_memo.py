"""The most-popular baseline is computed once per generation's pairs, and only reused for the very same pairs."""

from __future__ import annotations

from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from test_als_batch_model import lines_df, two_taste_lines

from oryx_assets.apps.als import ALSUpdate
from oryx_assets.apps.als.baseline_memo import BaselineMemo, pair_fingerprint
from oryx_assets.apps.als.split import user_latest_split
from oryx_core.config import load_config


def als() -> ALSUpdate:
    return ALSUpdate(load_config(None, ["oryx.als.hyperparams.features=4", "oryx.als.hyperparams.lambda=0.01"]))


def pair_rows(spark: SparkSession, rows: list[tuple[str, str]]) -> DataFrame:
    return spark.createDataFrame(rows, "user string, item string")


def test_candidates_of_one_generation_share_one_baseline_with_the_figures_each_would_compute(
    spark: SparkSession, tmp_path: Path
) -> None:
    train, test = user_latest_split(lines_df(spark, two_taste_lines()), 0.25)
    app = als()
    evaluations = []
    for n, lambda_ in enumerate((0.01, 0.5)):
        candidate = f"file:{tmp_path}/candidate-{n}"
        pmml = app.build_model(spark, train, {"features": 4, "lambda": lambda_, "alpha": 1.0}, candidate)
        assert pmml is not None
        evaluations.append(app.evaluate(spark, pmml, candidate, test, train))

    assert app.baselines.computed == 1
    alone = als().evaluate(spark, pmml, f"file:{tmp_path}/candidate-1", test, train)
    assert evaluations[1].baselines == alone.baselines == evaluations[0].baselines
    assert evaluations[1].metrics == alone.metrics


def test_the_fingerprint_follows_the_pairs_content_not_their_order(spark: SparkSession) -> None:
    train = pair_rows(spark, [("u1", "i1"), ("u1", "i2"), ("u2", "i1")])
    positives = [("u1", "i3"), ("u2", "i3")]

    same = pair_fingerprint(pair_rows(spark, positives), train, 0)

    assert pair_fingerprint(pair_rows(spark, positives[::-1]), train, 0) == same
    assert pair_fingerprint(pair_rows(spark, [("u1", "i3"), ("u2", "i4")]), train, 0) != same
    assert pair_fingerprint(pair_rows(spark, positives[:1]), train, 0) != same
    assert pair_fingerprint(pair_rows(spark, positives), train.limit(2), 0) != same
    assert pair_fingerprint(pair_rows(spark, positives), train, 1) != same
    empty = pair_fingerprint(pair_rows(spark, []), pair_rows(spark, []), 0)
    assert empty == (0, 0, 0, 0, 0)


def test_the_memo_computes_once_per_key_and_forgets_the_oldest() -> None:
    memo = BaselineMemo(max_entries=2)
    calls: list[int] = []

    def compute(value: int) -> int:
        calls.append(value)
        return value * 10

    keys = [(n, 0, 0, 0, 0) for n in range(3)]
    assert memo.get(keys[0], lambda: compute(0)) == 0
    assert memo.get(keys[0], lambda: compute(99)) == 0
    assert memo.get(keys[1], lambda: compute(1)) == 10
    assert memo.get(keys[2], lambda: compute(2)) == 20
    assert memo.get(keys[0], lambda: compute(3)) == 30  # the oldest entry was dropped

    assert calls == [0, 1, 2, 3]
    assert memo.computed == 4
