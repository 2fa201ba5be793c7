"""The tuned model's Dagster asset page in a real headless Chromium: what a user sees after one generation.

One real generation (Kafka, Spark, Dagster) of the scikit-learn decision tree on Iris, whose evaluation reports
accuracy and log-loss next to the majority-class baseline, is recorded in a Dagster instance on disk. The
Dagster webserver is started on that instance with the same configuration, and ``tuned_model``'s page is
opened: it must show the metric names with their values, the baseline's, the test set's size and source, and
the candidate table. A screenshot of the page is saved under the test's tmp_path.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from batch_support import batch_overrides, materialize_generation, produce
from browser_support import DevTools, requires_chromium
from dagster import AssetKey
from dagster_ui_support import dagster_webserver, persistent_instance
from sklearn.datasets import load_iris
from support.waiting import wait_for

from oryx_assets.resources import OryxConfigResource

pytestmark = [requires_chromium, pytest.mark.usefixtures("spark_stopped_after_module")]

GENERATION = 1_700_000_000_000
IRIS_COLUMNS = '["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]'
NUMBERS = ("score", "metric_accuracy", "metric_log_loss", "baseline_majority_accuracy", "baseline_majority_log_loss")


def iris_lines() -> list[str]:
    iris = load_iris()
    lines = [
        ",".join([*(f"{x:g}" for x in row), str(iris.target_names[label])])
        for row, label in zip(iris.data, iris.target, strict=True)
    ]
    random.Random(7).shuffle(lines)
    return lines


@pytest.fixture
def generation(
    kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path
) -> Iterator[tuple[Path, Path, dict[str, Any]]]:
    """One generation in an instance at ``<tmp>/dagster``: (Dagster home, config file, tuned_model metadata)."""
    oryx = OryxConfigResource(
        overrides=[
            *batch_overrides(
                kafka_brokers, fresh_topics, tmp_path, "oryx_assets.apps.sklearn_example.DecisionTreeUpdate"
            ),
            f"oryx.input-schema.feature-names={IRIS_COLUMNS}",
            'oryx.input-schema.categorical-features=["species"]',
            "oryx.input-schema.target-feature=species",
            "oryx.rdf.hyperparams.max-depth=[1, 4]",
            'oryx.rdf.hyperparams.impurity=["gini", "entropy"]',
            "oryx.ml.eval.test-fraction=0.3",
            "oryx.ml.eval.candidates=4",
            "oryx.ml.eval.hyperparam-search=grid",
        ]
    )
    home = tmp_path / "dagster"
    conf = tmp_path / "oryx.conf"
    conf.write_text(oryx.load().to_hocon(), "utf-8")
    produce(oryx, iris_lines())
    with persistent_instance(home) as instance:
        materialize_generation(oryx, instance, GENERATION)
        event = instance.get_latest_materialization_event(AssetKey("tuned_model"))
        assert event is not None and event.asset_materialization is not None
        metadata = {k: v.value for k, v in event.asset_materialization.metadata.items()}
    yield home, conf, metadata


@pytest.fixture
def dagster_ui(generation: tuple[Path, Path, dict[str, Any]], tmp_path: Path) -> Iterator[str]:
    """``dagster-webserver`` on the generation's instance and config, as ``oryx up`` runs it; its base URL."""
    home, conf, _ = generation
    with dagster_webserver(home, conf, tmp_path / "webserver.log") as base:
        yield base


def js_number(value: float) -> str:
    """How JavaScript's ``String(number)`` prints a finite float: Python's repr, but integral values below 1e21
    without ``.0``."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)


def table_headers(page: DevTools) -> list[list[str]]:
    """The header cells of every table on the page (a table's own, not those of tables nested in it)."""
    own_headers = "[...t.querySelectorAll('th')].filter(c => c.closest('table') === t).map(c => c.innerText.trim())"
    headers: list[list[str]] = page.evaluate(f"[...document.querySelectorAll('table')].map(t => {own_headers})")
    return headers


def candidate_rows(page: DevTools) -> list[list[str]]:
    """The body cells of the table whose header has a "chosen" column: the candidate table."""
    script = """[...document.querySelectorAll('table')]
        .filter(t => [...t.querySelectorAll('th')]
            .some(c => c.closest('table') === t && c.innerText.trim() === 'chosen'))
        .flatMap(t => [...t.querySelectorAll('tbody tr')]
            .map(r => [...r.querySelectorAll('td')].map(c => c.innerText.trim())))"""
    rows: list[list[str]] = page.evaluate(script)
    return [row for row in rows if row]  # the header row holds th cells only


def test_the_asset_page_shows_the_models_metrics_baselines_and_candidates(
    browser: Callable[..., DevTools], dagster_ui: str, generation: tuple[Path, Path, dict[str, Any]], tmp_path: Path
) -> None:
    _, _, metadata = generation
    page = browser(f"{dagster_ui}/assets/tuned_model", ready="true")
    shot = tmp_path / "tuned_model_asset_page.png"
    seen = f"(screenshot: {shot})"
    try:
        # The metadata table, then the status section (a placeholder until the checks' results have loaded).
        wait_for(lambda: "metric_log_loss" in page.evaluate("document.body.innerText"), 180, f"the metadata {seen}")
        wait_for(lambda: "Latest check results" in page.evaluate("document.body.innerText"), 30, f"the status {seen}")
    finally:
        page.screenshot(shot, width=2000, height=2200)
    text: str = page.evaluate("document.body.innerText")

    for key in NUMBERS:
        assert key in text, f"{key} is not on the page {seen}"
        # The UI prints a float metadata value as JavaScript prints the number (a perfect score 1.0 as "1").
        assert js_number(float(metadata[key])) in text, f"{key} = {metadata[key]!r} is not on the page {seen}"
    assert metadata["baseline"] == "majority" and "majority" in text, seen
    assert f"{metadata['test_rows']}" in text and metadata["test_source"] in text, seen
    candidate_tables = [h for h in table_headers(page) if "chosen" in h]
    assert candidate_tables == [["#", "impurity", "max_depth", "score", "accuracy", "log_loss", "seconds", "chosen"]], (
        f"{table_headers(page)} {seen}"
    )
    rows = candidate_rows(page)
    assert len(rows) == 4 and [row[-1] for row in rows].count("yes") == 1, f"{rows} {seen}"
    [chosen] = [row for row in rows if row[-1] == "yes"]
    assert chosen[3] == chosen[4] == f"{metadata['score']:.6g}", f"{chosen} {seen}"  # score = accuracy
    print(json.dumps({key: metadata[key] for key in NUMBERS}), seen)
