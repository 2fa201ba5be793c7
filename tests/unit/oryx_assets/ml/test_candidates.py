"""Candidates are built in their own folders and scored; the best valid score wins; the winner is refitted."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from fake_app import FakeApp
from pyspark.sql import DataFrame, SparkSession

from oryx_assets.lambda_.storage import HadoopStorage
from oryx_assets.ml.candidates import Candidate, best_candidate, build_candidates, refit, temporary_name
from oryx_assets.ml.reporting import candidates_markdown
from oryx_assets.ml.verdicts import meets_threshold
from oryx_core.api.batch import Evaluation
from oryx_core.ml.pmml import get_extension, read_pmml


def candidate(index: int, score: float, built: bool = True) -> Candidate:
    return Candidate(index, {"x": index}, f".temporary/1/{index}", built=built, score=score)


def test_the_highest_score_wins_and_ties_go_to_the_first() -> None:
    assert best_candidate([candidate(0, 0.5), candidate(1, 0.9), candidate(2, 0.9)]).index == 1


def test_unscored_candidates_lose_to_scored_ones() -> None:
    assert best_candidate([candidate(0, math.nan), candidate(1, -7.0)]).index == 1


def test_a_nan_score_never_wins_so_an_evaluated_search_of_nan_scores_has_no_winner() -> None:
    assert best_candidate([candidate(0, math.nan), candidate(1, math.nan)]) is None


def test_without_evaluation_the_first_built_candidate_is_the_model() -> None:
    candidates = [candidate(0, math.nan, built=False), candidate(1, math.nan)]
    assert best_candidate(candidates, evaluated=False).index == 1


def test_no_built_candidate_means_no_winner() -> None:
    assert best_candidate([candidate(0, math.nan, built=False)]) is None


@pytest.mark.parametrize(
    ("score", "threshold", "kept"),
    [(0.5, None, True), (0.5, 0.5, True), (0.49, 0.5, False), (math.nan, 0.5, True), (None, 0.5, True)],
)
def test_threshold_rule(score: float | None, threshold: float | None, kept: bool) -> None:
    assert meets_threshold(score, threshold) is kept


def test_markdown_shows_each_candidates_main_metrics() -> None:
    scored = candidate(0, -0.9)
    scored.evaluation = Evaluation(-0.9, metrics={"rmse": 0.9, "mae": 0.7})
    unscored = candidate(1, math.nan)

    rows = candidates_markdown([scored, unscored], scored)

    assert rows.splitlines() == [
        "| # | x | score | rmse | mae | seconds | chosen |",
        "|---|---|---|---|---|---|---|",
        "| 0 | 0 | -0.9 | 0.9 | 0.7 | 0.0 | yes |",
        "| 1 | 1 | nan |  |  | 0.0 |  |",
    ]


def test_markdown_lists_every_candidate_and_marks_the_winner() -> None:
    rows = candidates_markdown([candidate(0, 0.25), candidate(1, math.nan, built=False)], candidate(0, 0.25))

    assert rows.splitlines() == [
        "| # | x | score | seconds | chosen |",
        "|---|---|---|---|---|",
        "| 0 | 0 | 0.25 | 0.0 | yes |",
        "| 1 | 1 | no model | 0.0 |  |",
    ]


@pytest.fixture
def lines(spark: SparkSession) -> DataFrame:
    return spark.createDataFrame([(None, str(i)) for i in range(7)], "key string, value string")


def test_candidates_are_built_in_parallel_each_in_its_folder(
    spark: SparkSession, tmp_path: Path, lines: DataFrame
) -> None:
    storage = HadoopStorage(spark, f"file:{tmp_path}")
    combos = [{"x": 1}, {"x": 3}, {"x": 5}]

    built = build_candidates(FakeApp(), spark, storage, temporary_name(9), combos, lines, lines, parallelism=2)

    assert [c.score for c in built] == [-2, 0, -2]
    for i, combo in enumerate(combos):
        pmml = read_pmml((tmp_path / ".temporary" / "9" / str(i) / "model.pmml").read_text())
        assert get_extension(pmml, "x") == str(combo["x"])
        assert get_extension(pmml, "rows") == "7"


def test_without_test_data_candidates_are_unscored(spark: SparkSession, tmp_path: Path, lines: DataFrame) -> None:
    storage = HadoopStorage(spark, f"file:{tmp_path}")

    [only] = build_candidates(FakeApp(), spark, storage, temporary_name(9), [{"x": 3}], lines, None, parallelism=1)

    assert only.built and math.isnan(only.score)


def test_a_candidate_without_a_model_is_kept_unbuilt(spark: SparkSession, tmp_path: Path, lines: DataFrame) -> None:
    storage = HadoopStorage(spark, f"file:{tmp_path}")

    [none] = build_candidates(FakeApp(), spark, storage, temporary_name(9), [{"x": -1}], lines, lines, parallelism=1)

    assert not none.built
    assert not (tmp_path / ".temporary" / "9" / "0" / "model.pmml").exists()


def test_a_failing_candidate_fails_the_search(spark: SparkSession, tmp_path: Path, lines: DataFrame) -> None:
    storage = HadoopStorage(spark, f"file:{tmp_path}")

    with pytest.raises(RuntimeError, match="x=99"):
        build_candidates(FakeApp(), spark, storage, temporary_name(9), [{"x": 1}, {"x": 99}], lines, lines, 2)


def test_refit_builds_the_winners_hyperparameters_on_every_line_into_the_final_folder(
    spark: SparkSession, tmp_path: Path, lines: DataFrame
) -> None:
    storage = HadoopStorage(spark, f"file:{tmp_path}")
    every_line = lines.unionByName(spark.createDataFrame([(None, "t")] * 5, "key string, value string"))
    winner = Candidate(2, {"x": 3}, ".temporary/9/2", built=True, score=0.0)

    assert refit(FakeApp(), spark, storage, winner, every_line, "9") is True

    pmml = read_pmml((tmp_path / "9" / "model.pmml").read_text())
    assert (get_extension(pmml, "x"), get_extension(pmml, "rows")) == ("3", "12")


def test_a_refit_without_a_model_leaves_no_final_folder(spark: SparkSession, tmp_path: Path, lines: DataFrame) -> None:
    storage = HadoopStorage(spark, f"file:{tmp_path}")
    (tmp_path / "9").mkdir()  # what a killed earlier run left

    assert refit(FakeApp(), spark, storage, Candidate(0, {"x": -1}, ".temporary/9/0"), lines, "9") is False
    assert not (tmp_path / "9").exists()
