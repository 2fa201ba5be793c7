"""Candidates are built in their own folders, scored, and the best chosen by Oryx 2's rules."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from fake_app import FakeApp
from pyspark.sql import DataFrame, SparkSession

from oryx_assets.lambda_.storage import HadoopStorage
from oryx_assets.ml.candidates import (
    Candidate,
    best_candidate,
    build_candidates,
    candidates_markdown,
    meets_threshold,
    temporary_name,
)
from oryx_core.ml.pmml import get_extension, read_pmml


def candidate(index: int, score: float, built: bool = True) -> Candidate:
    return Candidate(index, {"x": index}, f".temporary/1/{index}", built=built, score=score)


def test_the_highest_score_wins_and_ties_go_to_the_first() -> None:
    assert best_candidate([candidate(0, 0.5), candidate(1, 0.9), candidate(2, 0.9)]).index == 1


def test_unscored_candidates_lose_to_scored_ones() -> None:
    assert best_candidate([candidate(0, math.nan), candidate(1, -7.0)]).index == 1


def test_when_nothing_is_scored_the_first_built_candidate_wins() -> None:
    assert best_candidate([candidate(0, math.nan, built=False), candidate(1, math.nan)]).index == 1


def test_no_built_candidate_means_no_winner() -> None:
    assert best_candidate([candidate(0, math.nan, built=False)]) is None


@pytest.mark.parametrize(
    ("score", "threshold", "kept"),
    [(0.5, None, True), (0.5, 0.5, True), (0.49, 0.5, False), (math.nan, 0.5, True), (None, 0.5, True)],
)
def test_threshold_rule(score: float | None, threshold: float | None, kept: bool) -> None:
    assert meets_threshold(score, threshold) is kept


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
