"""The ALS batch app's split, evaluation, model files and UP stream, on tiny hand-checkable data."""

from __future__ import annotations

import gzip
import json
import math
import random
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession

from oryx_assets.apps.als import ALSUpdate
from oryx_assets.apps.als.evaluation import explicit_evaluation
from oryx_assets.apps.als.split import time_range_split, user_latest_split, user_random_split, user_test_count
from oryx_core.apps.als.layout import VectorLayout
from oryx_core.apps.als.messages import parse_update
from oryx_core.apps.als.model_pmml import read_als_pmml
from oryx_core.config import ConfigError, load_config
from oryx_core.ml.pmml import get_extension
from oryx_core.topics.messages import UP


def lines_df(spark: SparkSession, lines: list[str]) -> DataFrame:
    return spark.createDataFrame([(None, line) for line in lines], "key string, value string")


def vectors(spark: SparkSession, rows: dict[str, list[float]]) -> DataFrame:
    floats = [(id_, [float(value) for value in features]) for id_, features in rows.items()]
    return spark.createDataFrame(floats, "id string, features array<float>")


def pairs(spark: SparkSession, rows: list[tuple[str, str, float]]) -> DataFrame:
    return spark.createDataFrame(rows, "user string, item string, strength double")


def test_time_range_split_holds_out_the_latest_fraction_of_the_time_range(spark: SparkSession) -> None:
    lines = [f"u,i{t},1,{t}" for t in range(0, 101, 10)] + ["not,a,line"]
    train, test = time_range_split(lines_df(spark, lines), 0.2)
    # boundary = 100 - 0.2 * (100 - 0) = 80: 80, 90 and 100 test; the bad line trains (and is counted there).
    assert sorted(r["value"] for r in test.collect()) == ["u,i100,1,100", "u,i80,1,80", "u,i90,1,90"]
    assert len(train.collect()) == 9
    assert set(train.columns) == set(test.columns) == {"key", "value"}


@pytest.mark.parametrize(
    ("lines", "fraction", "draw", "expected"),
    [(10, 0.2, 0.99, 2), (10, 0.25, 0.49, 3), (10, 0.25, 0.5, 2)]
    + [(1, 0.1, 0.05, 1), (1, 0.1, 0.1, 0), (3, 1.0, 0.0, 3)],
)
def test_user_test_count_rounds_by_the_users_draw(lines: int, fraction: float, draw: float, expected: int) -> None:
    assert user_test_count(lines, fraction, draw) == expected


def test_user_latest_split_holds_out_each_users_latest_lines(spark: SparkSession) -> None:
    # fraction 0.3: a has 10 lines -> exactly 3 test; b has 20 -> 6; the times interleave so the split is per user.
    a = [f"a,i{n},1,{100 + 2 * n}" for n in range(10)]
    b = [f"b,j{n},1,{101 + n}" for n in range(20)]
    bad = ["not,a,line", "c,k,1,notatime"]
    train, test = user_latest_split(lines_df(spark, a + b + bad), 0.3, seed=7)
    held = {r["value"] for r in test.collect()}
    assert held == set(a[-3:]) | set(b[-6:])
    assert sorted(r["value"] for r in train.collect()) == sorted(a[:-3] + b[:-6] + bad)
    assert set(train.columns) == set(test.columns) == {"key", "value"}


def test_user_latest_split_breaks_ties_by_line_and_repeats_itself(spark: SparkSession) -> None:
    lines = [f"u,i{n},1,500" for n in range(10)]  # all at one time: the greatest line texts are "latest"
    first = sorted(r["value"] for r in user_latest_split(lines_df(spark, lines), 0.2, seed=1)[1].collect())
    again = sorted(r["value"] for r in user_latest_split(lines_df(spark, lines), 0.2, seed=1)[1].collect())
    assert first == again == ["u,i8,1,500", "u,i9,1,500"]


def test_user_latest_split_rounds_small_users_so_the_overall_share_is_the_fraction(spark: SparkSession) -> None:
    # 2,000 users with one line each: f * n = 0.1, so each user's hash decides; about 10% of lines test.
    lines = [f"user{n},item,1,{n}" for n in range(2000)]
    test = user_latest_split(lines_df(spark, lines), 0.1, seed=3)[1].count()
    other_seed = {r["value"] for r in user_latest_split(lines_df(spark, lines), 0.1, seed=4)[1].collect()}
    assert 150 <= test <= 250
    assert 150 <= len(other_seed) <= 250


def test_user_random_split_holds_out_each_users_share_with_a_pairs_lines_together(spark: SparkSession) -> None:
    # a: 10 pairs of 2 lines each (20 lines, fraction 0.3 -> 6 test lines); b: 20 single lines (-> 6).
    a = [f"a,i{n},1,{100 + n}" for n in range(10)] + [f"a,i{n},2,{200 + n}" for n in range(10)]
    b = [f"b,j{n},1,{101 + n}" for n in range(20)]
    train, test = user_random_split(lines_df(spark, a + b + ["not,a,line"]), 0.3, seed=7)
    held = [r["value"] for r in test.collect()]
    assert sum(line.startswith("a,") for line in held) == 6 and sum(line.startswith("b,") for line in held) == 6
    held_pairs = {tuple(line.split(",")[:2]) for line in held if line.startswith("a,")}
    assert len(held_pairs) == 3  # 6 lines of a are 3 whole pairs: no pair is split across train and test
    assert sorted(r["value"] for r in train.collect()) == sorted(set(a + b + ["not,a,line"]) - set(held))
    again = sorted(r["value"] for r in user_random_split(lines_df(spark, a + b), 0.3, seed=7)[1].collect())
    other = sorted(r["value"] for r in user_random_split(lines_df(spark, a + b), 0.3, seed=8)[1].collect())
    assert again == sorted(held) and other != again
    # random, not latest: a's held-out lines are not its 6 latest
    assert set(held) & set(a) != set(a[-6:])


def biases(spark: SparkSession, kind: str, rows: dict[str, float]) -> DataFrame:
    return spark.createDataFrame(list(rows.items()), f"{kind} string, bias double")


def test_explicit_evaluation_scores_estimates_and_both_baselines_on_the_same_pairs(spark: SparkSession) -> None:
    x = vectors(spark, {"u1": [1, 0]})
    y = vectors(spark, {"a": [2, 0], "b": [0, 5]})
    layout = VectorLayout(2, global_mean=2.5)
    test = pairs(spark, [("u1", "a", 3.0), ("u1", "b", 1.0), ("u1", "unknown", 5.0)])
    evaluation = explicit_evaluation(
        spark, test, x, y, layout, biases(spark, "user", {"u1": -0.5}), biases(spark, "item", {"a": 1.0})
    )
    # estimates 2 and 0 for 3 and 1: errors 1, 1. Mean 2.5: errors 0.5, 1.5. Biases: 3.0 (a), 2.0 (b): 0, 1.
    assert evaluation.metrics == pytest.approx({"rmse": 1.0, "mae": 1.0})
    assert evaluation.baselines["global_mean"] == pytest.approx({"rmse": math.sqrt(1.25), "mae": 1.0})
    assert evaluation.baselines["biases"] == pytest.approx({"rmse": math.sqrt(0.5), "mae": 0.5})
    assert (evaluation.score, evaluation.baseline, evaluation.test_rows) == (pytest.approx(-1.0), "biases", 2)
    assert evaluation.baseline_score == pytest.approx(-math.sqrt(0.5))
    assert evaluation.beats_baseline() is False


def test_explicit_estimates_and_baselines_are_clipped_to_the_rating_range(spark: SparkSession) -> None:
    x = vectors(spark, {"u1": [1, 0]})
    y = vectors(spark, {"a": [9, 0], "b": [-3, 0]})
    layout = VectorLayout(2, global_mean=0.5, rating_range=(1.0, 5.0))
    test = pairs(spark, [("u1", "a", 5.0), ("u1", "b", 1.0)])
    no_bias = biases(spark, "user", {})
    evaluation = explicit_evaluation(spark, test, x, y, layout, no_bias, biases(spark, "item", {}))
    # 9 -> 5 and -3 -> 1: exact. The mean 0.5 clips to 1: errors 4 and 0.
    assert evaluation.metrics == pytest.approx({"rmse": 0.0, "mae": 0.0})
    assert evaluation.baselines["global_mean"] == pytest.approx({"rmse": math.sqrt(8.0), "mae": 2.0})


def two_taste_lines(seed: int = 3) -> list[str]:
    """Users 0-9 like items 0-9, users 10-19 like items 10-19; the last interactions come latest."""
    rng = random.Random(seed)
    lines = []
    for user in range(20):
        group = user // 10
        for n, item in enumerate(rng.sample(range(group * 10, group * 10 + 10), 8)):
            lines.append(f"u{user},i{item},1,{1000 + n * 100 + user}")
    return lines


@pytest.fixture
def als(tmp_path: Path) -> ALSUpdate:
    return ALSUpdate(load_config(None, ["oryx.als.hyperparams.features=4", "oryx.als.hyperparams.lambda=0.01"]))


def test_build_model_writes_x_and_y_and_a_skeleton_pmml_that_scores_well(
    spark: SparkSession, als: ALSUpdate, tmp_path: Path
) -> None:
    train, test = user_latest_split(lines_df(spark, two_taste_lines()), 0.25)
    candidate = f"file:{tmp_path}/candidate"

    pmml = als.build_model(spark, train, {"features": 4, "lambda": 0.01, "alpha": 1.0}, candidate)

    assert pmml is not None
    model = read_als_pmml(pmml)
    assert (model.features, model.implicit, model.x_dir, model.y_dir) == (4, True, "X/", "Y/")
    assert model.x_ids == tuple(sorted(f"u{u}" for u in range(20)))
    assert len(model.y_ids) == 20
    assert get_extension(pmml, "alpha") == "1.0"
    x_lines = []
    for part in (tmp_path / "candidate" / "X").glob("part-*.gz"):
        with gzip.open(part, "rt") as lines:
            x_lines += [json.loads(line) for line in lines]
    assert sorted(row[0] for row in x_lines) == sorted(model.x_ids)
    assert all(len(row[1]) == 4 for row in x_lines)
    # Negatives come from the test items, half of them of the user's own taste group: 0.75 is the ideal here, this
    # small model's exact AUC is 0.62, and two drawn negatives per user make the estimate noisy: above chance.
    evaluation = als.evaluate(spark, pmml, candidate, test, train)
    assert evaluation.metrics["auc"] > 0.5
    assert set(evaluation.metrics) == {"auc", "precision_at_10", "ndcg_at_10"}
    assert evaluation.score == evaluation.metrics["ndcg_at_10"]  # oryx.als.implicit-metric's default
    assert evaluation.baseline == "most_popular"
    assert evaluation.baseline_score == evaluation.baselines["most_popular"]["ndcg_at_10"]
    # Every test item is of the user's taste; the top 10 of 12 unseen items hold them, popularity does not know.
    assert evaluation.metrics["ndcg_at_10"] > evaluation.baselines["most_popular"]["ndcg_at_10"]


class ListProducer:
    def __init__(self) -> None:
        self.messages: list[tuple[str | None, str]] = []

    def send(self, key: str | None, message: str) -> None:
        self.messages.append((key, message))


def test_published_updates_are_items_then_users_with_known_items_after_deletes(
    spark: SparkSession, als: ALSUpdate, tmp_path: Path
) -> None:
    lines = ["a,x,1,1", "a,y,1,2", "a,y,,3", "b,x,2,1", "b,z,1,2", "b,z,,3", "b,z,1,4", "c,y,1,1"]
    model_dir = f"file:{tmp_path}/model"
    pmml = als.build_model(spark, lines_df(spark, lines[:5]), {"features": 2, "lambda": 0.1, "alpha": 1.0}, model_dir)
    assert pmml is not None
    producer = ListProducer()

    als.publish_additional_model_data(
        spark,
        pmml,
        lines_df(spark, lines[5:]),
        lines_df(spark, lines[:5]),
        model_dir,
        producer,  # type: ignore[arg-type]
    )

    updates = [parse_update(message) for key, message in producer.messages if key == UP]
    assert len(updates) == len(producer.messages)
    kinds = [kind for kind, *_ in updates]
    assert kinds == ["Y"] * kinds.count("Y") + ["X"] * kinds.count("X")
    assert {id_ for kind, id_, *_ in updates if kind == "Y"} == {"x", "z"}  # y was deleted before training
    known = {id_: others for kind, id_, _, others in updates if kind == "X"}
    assert known == {"a": ["x"], "b": ["x", "z"]}
    assert all(len(vector) == 2 and not math.isnan(vector[0]) for _, _, vector, _ in updates)


def test_no_known_items_sends_user_vectors_alone(spark: SparkSession, tmp_path: Path) -> None:
    als = ALSUpdate(load_config(None, ["oryx.als.no-known-items=true"]))
    model_dir = f"file:{tmp_path}/model"
    pmml = als.build_model(
        spark, lines_df(spark, ["a,x,1,1", "b,y,1,1"]), {"features": 2, "lambda": 0.1, "alpha": 1.0}, model_dir
    )
    assert pmml is not None
    producer = ListProducer()
    als.publish_additional_model_data(spark, pmml, lines_df(spark, ["a,x,1,1"]), None, model_dir, producer)  # type: ignore[arg-type]
    assert [others for kind, _, _, others in map(parse_update, (m for _, m in producer.messages)) if kind == "X"] == [
        None,
        None,
    ]


@pytest.mark.parametrize(
    ("overrides", "searched"),
    [
        ([], ["alpha", "features", "lambda"]),
        (["oryx.als.logStrength=true"], ["alpha", "epsilon", "features", "lambda"]),
        (["oryx.als.implicit=false"], ["bias-lambda", "features", "lambda"]),
        (["oryx.als.implicit=false", "oryx.als.biases=false"], ["features", "lambda"]),
    ],
)
def test_only_the_hyperparameters_the_model_uses_are_searched(overrides: list[str], searched: list[str]) -> None:
    als = ALSUpdate(load_config(None, overrides))
    assert sorted(als.hyperparameter_values(als.config)) == searched  # type: ignore[arg-type]


def test_an_unknown_implicit_metric_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"oryx.als.implicit-metric.*ndcg_at_10, precision_at_10, auc.*'rmse'"):
        ALSUpdate(load_config(None, ["oryx.als.implicit-metric=rmse"]))


def test_a_decay_factor_outside_zero_to_one_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"oryx.als.decay.factor"):
        ALSUpdate(load_config(None, ["oryx.als.decay.factor=1.5"]))


def test_an_unknown_test_split_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"oryx.als.test-split.*user-random, user-latest, time-range.*'random'"):
        ALSUpdate(load_config(None, ["oryx.als.test-split=random"]))


@pytest.mark.parametrize(
    ("rule", "held"),
    [
        ("user-latest", {"a,y,1,1", "b,z,1,900"}),
        ("time-range", {"b,z,1,900"}),
        ("user-random", {"a,x,1,0", "b,z,1,900"}),
    ],
)
def test_the_configured_test_split_is_the_one_applied(spark: SparkSession, rule: str, held: set[str]) -> None:
    als = ALSUpdate(load_config(None, [f"oryx.als.test-split={rule}"]))
    lines = ["a,x,1,0", "a,y,1,1", "b,x,1,0", "b,z,1,900"]
    _, test = als.split_new_data(lines_df(spark, lines), 0.5, 0)
    assert {r["value"] for r in test.collect()} == held


def test_parsed_rows_split_like_their_lines_and_keep_their_columns(spark: SparkSession, als: ALSUpdate) -> None:
    lines = lines_df(spark, two_taste_lines())
    parsed = als.parse_input(spark, lines)

    _, test_lines = user_random_split(lines, 0.25, seed=3)
    _, test_rows = user_random_split(parsed, 0.25, seed=3)

    held = sorted((r["value"].split(",")[0], r["value"].split(",")[1]) for r in test_lines.collect())
    assert sorted((r["user"], r["item"]) for r in test_rows.collect()) == held
    assert test_rows.columns == parsed.columns


def test_a_model_built_from_parsed_rows_is_the_model_of_their_lines(
    spark: SparkSession, als: ALSUpdate, tmp_path: Path
) -> None:
    train = lines_df(spark, two_taste_lines())
    hyperparams = {"features": 4, "lambda": 0.01, "alpha": 1.0}

    from_lines = als.build_model(spark, train, hyperparams, f"file:{tmp_path}/lines")
    from_rows = als.build_model(spark, als.parse_input(spark, train), hyperparams, f"file:{tmp_path}/rows")

    assert from_lines is not None and from_rows is not None
    assert read_als_pmml(from_rows) == read_als_pmml(from_lines)
