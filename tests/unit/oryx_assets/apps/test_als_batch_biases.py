"""The ALS batch app's explicit biases: fitted exactly on hand-checkable ratings, carried in the vectors."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import numpy as np
import pytest
from pyspark.sql import DataFrame, SparkSession

from oryx_assets.apps.als import ALSUpdate
from oryx_assets.apps.als.biases import fit_biases, residual_ratings
from oryx_core.apps.als.model_pmml import read_als_pmml
from oryx_core.config import load_config
from oryx_core.ml.pmml import get_extension

# Exactly additive: mean 2.5, users u1 +0.5 / u2 -0.5, items a +1 / b -1.
RATINGS = [("u1", "a", 4.0), ("u1", "b", 2.0), ("u2", "a", 3.0), ("u2", "b", 1.0)]


def ratings(spark: SparkSession, rows: list[tuple[str, str, float]]) -> DataFrame:
    return spark.createDataFrame(rows, "user string, item string, strength double")


def as_dict(frame: DataFrame, key: str) -> dict[str, float]:
    return {row[key]: row["bias"] for row in frame.collect()}


def test_unregularised_biases_recover_an_additive_rating_table(spark: SparkSession) -> None:
    model = fit_biases(spark, ratings(spark, RATINGS), 0.0)
    assert (model.summary.mean, model.summary.low, model.summary.high, model.summary.count) == (2.5, 1.0, 4.0, 4)
    assert as_dict(model.items, "item") == pytest.approx({"a": 1.0, "b": -1.0})
    assert as_dict(model.users, "user") == pytest.approx({"u1": 0.5, "u2": -0.5})
    residuals = residual_ratings(spark, ratings(spark, RATINGS), model).collect()
    assert [row["strength"] for row in residuals] == pytest.approx([0.0] * 4)


def test_regularisation_shrinks_each_bias_by_pseudo_ratings_at_the_mean(spark: SparkSession) -> None:
    # items: (1.5 + 0.5) / (2 + 2) = 0.5; users: ((4 - 2.5 - 0.5) + (2 - 2.5 + 0.5)) / (2 + 2) = 0.25; stable after.
    model = fit_biases(spark, ratings(spark, RATINGS), 2.0)
    assert as_dict(model.items, "item") == pytest.approx({"a": 0.5, "b": -0.5})
    assert as_dict(model.users, "user") == pytest.approx({"u1": 0.25, "u2": -0.25})


def test_a_negative_bias_lambda_is_refused(spark: SparkSession) -> None:
    with pytest.raises(ValueError, match="bias-lambda must be >= 0"):
        fit_biases(spark, ratings(spark, RATINGS), -1.0)


def rating_lines(seed: int = 5) -> list[str]:
    """40 users x 30 items, ratings 1-5 = 3 + user offset + item offset + a 2-taste interaction, rounded."""
    rng = random.Random(seed)
    lines = []
    for user in range(40):
        user_offset, taste = rng.uniform(-1, 1), 1 if user % 2 else -1
        for item in rng.sample(range(30), 18):
            item_taste = 1 if item % 2 else -1
            rating = 3 + user_offset + (item - 15) / 15 + 0.6 * taste * item_taste + rng.gauss(0, 0.2)
            lines.append(f"u{user},i{item},{min(5, max(1, round(rating * 2) / 2))},{1000 + item}")
    return lines


def read_vectors(folder: Path) -> dict[str, list[float]]:
    rows = {}
    for part in folder.glob("part-*.gz"):
        with gzip.open(part, "rt") as lines:
            rows.update(json.loads(line) for line in lines)
    return rows


def test_an_explicit_model_carries_its_biases_and_beats_them(spark: SparkSession, tmp_path: Path) -> None:
    als = ALSUpdate(load_config(None, ["oryx.als.implicit=false"]))
    lines = rating_lines()
    held = [line for n, line in enumerate(lines) if n % 7 == 3]
    kept = [line for n, line in enumerate(lines) if n % 7 != 3]
    train = spark.createDataFrame([(None, line) for line in kept], "key string, value string")
    test = spark.createDataFrame([(None, line) for line in held], "key string, value string")
    candidate = f"file:{tmp_path}/candidate"

    pmml = als.build_model(spark, train, {"features": 2, "lambda": 0.05, "bias-lambda": 5.0}, candidate)

    assert pmml is not None
    model = read_als_pmml(pmml)
    assert (model.features, model.implicit, model.biased) == (4, False, True)
    assert model.rating_range == (1.0, 5.0)
    ratings_kept = [float(line.split(",")[2]) for line in kept]
    assert model.global_mean == pytest.approx(np.mean(ratings_kept))
    assert get_extension(pmml, "alpha") is None  # explicit models have no confidence weight
    users, items = read_vectors(tmp_path / "candidate" / "X"), read_vectors(tmp_path / "candidate" / "Y")
    assert {len(v) for v in users.values()} == {len(v) for v in items.values()} == {4}
    assert all(v[3] == 1.0 for v in users.values()) and all(v[2] == 1.0 for v in items.values())
    # Items rise with their number: the fitted item biases must too.
    assert items["i29"][3] > items["i15"][3] > items["i0"][3]

    evaluation = als.evaluate(spark, pmml, candidate, test, train)
    assert evaluation.score == -evaluation.metrics["rmse"]
    assert (
        evaluation.metrics["rmse"]
        < evaluation.baselines["biases"]["rmse"]
        < evaluation.baselines["global_mean"]["rmse"]
    )
    assert evaluation.beats_baseline() is True
    assert evaluation.test_rows == len(held)
