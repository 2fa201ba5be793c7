"""The winner's figures as metadata: stable, sanitised keys, numbers only where they are real."""

from __future__ import annotations

import math

from dagster import MetadataValue

from oryx_assets.ml.reporting import baselines_markdown, evaluation_metadata, metadata_key
from oryx_core.api.batch import Evaluation

ALS = Evaluation(
    score=-0.92,
    metrics={"rmse": 0.92, "mae": 0.71, "NDCG@10": math.nan},
    baselines={"global_mean": {"rmse": 1.06, "mae": 0.85}, "biases": {"rmse": 0.95}},
    baseline="biases",
    baseline_score=-0.95,
    test_rows=9_000,
)


def test_keys_are_lower_case_words_joined_by_underscores() -> None:
    assert metadata_key("metric", "NDCG@10") == "metric_ndcg_10"
    assert metadata_key("baseline", "most popular", "precision_at_10") == "baseline_most_popular_precision_at_10"


def test_metrics_and_baselines_are_floats_and_nan_figures_are_left_out() -> None:
    metadata = evaluation_metadata(ALS)

    assert metadata == {
        "score": MetadataValue.float(-0.92),
        "metric_rmse": MetadataValue.float(0.92),
        "metric_mae": MetadataValue.float(0.71),
        "baseline_global_mean_rmse": MetadataValue.float(1.06),
        "baseline_global_mean_mae": MetadataValue.float(0.85),
        "baseline_biases_rmse": MetadataValue.float(0.95),
        "baseline_score": MetadataValue.float(-0.95),
        "baseline": "biases",
        "scored_test_rows": 9_000,
    }


def test_a_bare_score_gives_only_the_score() -> None:
    assert evaluation_metadata(Evaluation(0.83)) == {"score": MetadataValue.float(0.83)}


def test_the_baseline_table_puts_the_model_above_each_baseline_on_shared_metrics() -> None:
    assert baselines_markdown(ALS) == "\n".join(
        [
            "| | rmse | mae |",
            "|---|---|---|",
            "| model | 0.92 | 0.71 |",
            "| global_mean | 1.06 | 0.85 |",
            "| biases | 0.95 |  |",
        ]
    )


def test_no_baselines_no_table() -> None:
    assert baselines_markdown(Evaluation(0.5, {"auc": 0.5})) is None
