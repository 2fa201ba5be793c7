"""The ML tier end to end on the real broker and Spark, with the scikit-learn decision tree on Iris.

Input lines go to the input topic; each generation splits them (drawing the test set from history too when
the new data's is under ``min-test-rows``), searches hyperparameters, refits the best candidate on every line
into ``<model-dir>/<ts>/``, and publishes its PMML as MODEL, unless a blocking check stops it.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
from batch_support import (
    asset_metadata,
    batch_overrides,
    check_severities,
    check_verdicts,
    markdown_rows,
    materialize_generation,
    produce,
    update_messages,
)
from dagster import DagsterInstance
from sklearn.datasets import load_iris

from oryx_assets.resources import OryxConfigResource
from oryx_core.ml.pmml import find_child, get_extension, read_pmml
from oryx_core.storage.model_refs import ModelDirectory
from oryx_core.topics.messages import MODEL, MODEL_REF, UP

FIRST, SECOND = 1_700_000_000_000, 1_700_000_060_000
IRIS_COLUMNS = '["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]'


def iris_lines() -> list[str]:
    iris = load_iris()
    lines = [
        ",".join([*(f"{x:g}" for x in row), str(iris.target_names[label])])
        for row, label in zip(iris.data, iris.target, strict=True)
    ]
    random.Random(7).shuffle(lines)
    return lines


pytestmark = pytest.mark.usefixtures("spark_stopped_after_module")


def iris_app(kafka_brokers: str, topics: tuple[str, str], tmp_path: Path, *extra: str) -> OryxConfigResource:
    return OryxConfigResource(
        overrides=[
            *batch_overrides(kafka_brokers, topics, tmp_path, "oryx_assets.apps.sklearn_example.DecisionTreeUpdate"),
            f"oryx.input-schema.feature-names={IRIS_COLUMNS}",
            'oryx.input-schema.categorical-features=["species"]',
            "oryx.input-schema.target-feature=species",
            "oryx.rdf.hyperparams.max-depth=[2, 4]",
            'oryx.rdf.hyperparams.impurity=["gini", "entropy"]',
            "oryx.ml.eval.test-fraction=0.3",
            "oryx.ml.eval.candidates=2",
            "oryx.ml.eval.hyperparam-search=grid",
            "oryx.ml.eval.parallelism=2",
            *extra,
        ]
    )


@pytest.fixture
def oryx(kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path) -> OryxConfigResource:
    return iris_app(kafka_brokers, fresh_topics, tmp_path)


def test_two_generations_publish_the_tuned_pmml_and_train_on_past_data(
    oryx: OryxConfigResource, tmp_path: Path
) -> None:
    lines, instance = iris_lines(), DagsterInstance.ephemeral()
    produce(oryx, lines[:100])
    first = asset_metadata(materialize_generation(oryx, instance, FIRST))

    [model] = [m for m in update_messages(oryx, 1) if m.key == MODEL]
    assert find_child(read_pmml(model.message), "TreeModel") is not None
    assert (tmp_path / "model" / str(FIRST) / "model.pmml").read_text("utf-8") == model.message
    assert first["train_test_split"]["new_rows"] == 100
    assert first["train_test_split"]["new_train_rows"] + first["train_test_split"]["test_rows"] == 100
    tuned = first["tuned_model"]
    assert tuned["score"] >= 0.8
    assert (tuned["refit"], tuned["refit_rows"]) == (True, 100)  # the published tree saw all 100 lines
    assert first["published_model"]["message_key"] == MODEL

    produce(oryx, lines[100:])
    second = asset_metadata(materialize_generation(oryx, instance, SECOND))

    models = [m for m in update_messages(oryx, 2) if m.key == MODEL]
    assert len(models) == 2
    split = second["train_test_split"]
    assert (split["new_rows"], second["historical_data"]["windows"]) == (50, 1)
    # 30 % of 50 new lines is under min-test-rows (100): the app's split draws the test set from all 150 lines.
    assert split["test_source"] == "retained history and new data, the app's split"
    assert split["train_rows"] + split["test_rows"] == 150 and split["test_rows"] > 15
    tuned = second["tuned_model"]
    assert (tuned["train_rows"], tuned["refit_rows"]) == (150 - split["test_rows"], 150)
    assert sorted(p.name for p in (tmp_path / "model").iterdir() if not p.name.startswith(".")) == [
        str(FIRST),
        str(SECOND),
    ]
    assert not any((tmp_path / "model" / ".temporary").iterdir())
    # The split is stored in the generation's folder, where Spark never reads it as input lines.
    stored_split = tmp_path / "data" / f"generation={SECOND}" / "_train_test_split"
    assert sorted(p.name for p in stored_split.iterdir() if not p.name.startswith(".")) == [
        "_fields.json",
        "new_train",
        "test",
    ]
    assert split["dagster/row_count"] == 150 and split["rows_test"] == split["test_rows"]


def test_hyperparameter_search_keeps_the_best_candidate(
    kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path
) -> None:
    searching = iris_app(
        kafka_brokers, fresh_topics, tmp_path, "oryx.ml.eval.candidates=4", "oryx.rdf.hyperparams.max-depth=[1, 4]"
    )
    produce(searching, iris_lines())

    result = materialize_generation(searching, DagsterInstance.ephemeral(), FIRST)
    meta = asset_metadata(result)["tuned_model"]

    rows = markdown_rows(meta["candidates"])
    assert len(rows) == 4
    assert {"accuracy", "log_loss"} <= set(rows[0])  # each candidate's main metrics
    # Grid search over 4 candidates tries both ends of each range: depths 1 and 4, both impurities.
    assert {(row["max_depth"], row["impurity"]) for row in rows} == {
        ("1", "gini"),
        ("1", "entropy"),
        ("4", "gini"),
        ("4", "entropy"),
    }
    [chosen] = [row for row in rows if row["chosen"] == "yes"]
    assert float(chosen["score"]) == max(float(row["score"]) for row in rows)
    assert meta["score"] == pytest.approx(float(chosen["score"]), abs=1e-6)
    assert chosen["max_depth"] != "1"  # a stump cannot separate three species
    assert meta["hyperparams"]["max_depth"] == int(chosen["max_depth"])
    # The winner's figures next to the majority-class baseline's, as numbers the asset page plots.
    assert meta["metric_accuracy"] == meta["score"]
    assert meta["baseline"] == "majority" and meta["baseline_score"] == meta["baseline_majority_accuracy"] < 0.5
    # The majority baseline's probabilities are the training class shares, about 1/3 each on Iris. (A deep tree's
    # 0/1 leaves can do worse on log-loss: the score is the accuracy.)
    assert meta["baseline_majority_log_loss"] == pytest.approx(math.log(3), abs=0.1) and meta["metric_log_loss"] > 0
    assert meta["scored_test_rows"] == meta["test_rows"]
    verdicts = check_verdicts(result)
    assert verdicts["model_beats_baseline"] is True and verdicts["model_has_valid_score"] is True
    assert [p.name for p in (tmp_path / "model").iterdir() if not p.name.startswith(".")] == [str(FIRST)]


def test_the_regression_gate_warns_by_default_and_blocks_a_worse_model_when_asked(
    kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path
) -> None:
    lines, instance = iris_lines(), DagsterInstance.ephemeral()
    good = iris_app(kafka_brokers, fresh_topics, tmp_path)
    produce(good, lines[:100])
    first = asset_metadata(materialize_generation(good, instance, FIRST))
    published_score = first["published_model"]["score"]
    assert published_score == first["tuned_model"]["score"] >= 0.8  # what the next generation is held to

    # The next generation may only grow a stump (one split cannot separate three species): a worse model.
    stump = ["oryx.rdf.hyperparams.max-depth=1", "oryx.ml.eval.candidates=1"]
    blocking = iris_app(kafka_brokers, fresh_topics, tmp_path, *stump, 'oryx.ml.eval.regression-check="block"')
    produce(blocking, lines[100:])
    result = materialize_generation(blocking, instance, SECOND, expect_success=False)
    severities = check_severities(result)
    assert severities["model_not_worse_than_published"] == (False, "ERROR")
    [gate] = [e for e in result.get_asset_check_evaluations() if e.check_name == "model_not_worse_than_published"]
    gate_metadata = {k: v.value for k, v in gate.metadata.items()}
    assert gate_metadata["published_score"] == published_score
    assert gate_metadata["published_generation"] == str(FIRST)
    assert gate_metadata["score"] < 0.95 * published_score
    assert "published_model" not in asset_metadata(result)
    assert [m.key for m in update_messages(blocking, 1) if m.key == MODEL] == [MODEL]  # still only the first

    # The default ("warn") publishes the same kind of model, with a warning on the asset.
    warning = iris_app(kafka_brokers, fresh_topics, tmp_path, *stump)
    third = materialize_generation(warning, instance, SECOND + 60_000)
    assert check_severities(third)["model_not_worse_than_published"] == (False, "WARN")
    assert asset_metadata(third)["published_model"]["model_built"] is True


def test_threshold_rejection_publishes_nothing(
    kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path
) -> None:
    demanding = iris_app(kafka_brokers, fresh_topics, tmp_path, "oryx.ml.eval.threshold=1.01")
    produce(demanding, iris_lines())

    result = materialize_generation(demanding, DagsterInstance.ephemeral(), FIRST, expect_success=False)

    verdicts = check_verdicts(result)
    assert verdicts["model_meets_threshold"] is False
    assert verdicts["bad_line_ratio"] is True
    meta = asset_metadata(result)
    assert "published_model" not in meta
    assert meta["tuned_model"]["kept"] is False
    assert meta["input_window"]["offsets_committed"] is True
    assert update_messages(demanding, 0, timeout=3.0) == []
    assert not (tmp_path / "model" / str(FIRST)).exists()


def test_no_test_data_builds_one_unscored_candidate_and_publishes_it(
    kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path
) -> None:
    no_test = iris_app(kafka_brokers, fresh_topics, tmp_path, "oryx.ml.eval.test-fraction=0")
    produce(no_test, iris_lines()[:60])

    result = materialize_generation(no_test, DagsterInstance.ephemeral(), FIRST)
    meta = asset_metadata(result)

    assert meta["train_test_split"]["rule"].startswith("test-fraction 0")
    assert len(markdown_rows(meta["tuned_model"]["candidates"])) == 1
    assert "score" not in meta["tuned_model"]
    assert meta["tuned_model"]["refit"] is False  # the one candidate already trained on every line
    assert [m.key for m in update_messages(no_test, 1)] == [MODEL]
    # Evaluation off is the user's explicit choice: a warning on the asset, not a blocked model.
    assert check_severities(result)["model_has_valid_score"] == (False, "WARN")


def test_a_generation_without_a_test_line_publishes_nothing_and_says_why(
    kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path
) -> None:
    # Two lines at a 5 % test fraction: the random split (seeded by the generation) holds out neither.
    tiny = iris_app(kafka_brokers, fresh_topics, tmp_path, "oryx.ml.eval.test-fraction=0.05")
    produce(tiny, iris_lines()[:2])

    result = materialize_generation(tiny, DagsterInstance.ephemeral(), FIRST)

    meta = asset_metadata(result)
    assert (meta["train_test_split"]["new_rows"], meta["train_test_split"]["test_rows"]) == (2, 0)
    note = "no test line (new data, the app's split): no model this generation, the previous model stays"
    assert (meta["tuned_model"]["kept"], meta["tuned_model"]["note"]) == (False, note)
    assert meta["published_model"]["model_built"] is False
    assert update_messages(tiny, 0, timeout=3.0) == []
    assert check_severities(result)["model_has_valid_score"] == (False, "WARN")


def test_a_model_larger_than_max_size_is_published_as_a_reference(
    kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path
) -> None:
    small = iris_app(
        kafka_brokers, fresh_topics, tmp_path, "oryx.ml.eval.test-fraction=0", "oryx.update-topic.message.max-size=500"
    )
    produce(small, iris_lines())

    materialize_generation(small, DagsterInstance.ephemeral(), FIRST)

    [reference] = update_messages(small, 1)
    assert reference.key == MODEL_REF
    assert reference.message == f"file:{tmp_path}/model/{FIRST}/model.pmml"
    pmml = ModelDirectory(f"file:{tmp_path}/model/").read_text(reference.message)
    assert find_child(read_pmml(pmml), "TreeModel") is not None


def test_grid_search_picks_the_best_candidate_and_the_app_adds_its_updates(
    kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path
) -> None:
    overrides = batch_overrides(kafka_brokers, fresh_topics, tmp_path, "batch_support.CountingMLApp")
    counting = OryxConfigResource(
        overrides=[*overrides, "oryx.ml.eval.candidates=5", "oryx.ml.eval.hyperparam-search=grid"]
    )
    instance = DagsterInstance.ephemeral()
    produce(counting, [f"line {i}" for i in range(40)])
    materialize_generation(counting, instance, FIRST)
    produce(counting, [f"line {i}" for i in range(40, 60)])

    meta = asset_metadata(materialize_generation(counting, instance, SECOND))

    rows = markdown_rows(meta["tuned_model"]["candidates"])
    assert sorted(int(row["x"]) for row in rows) == [1, 2, 3, 4, 5]
    assert [row["x"] for row in rows if row["chosen"] == "yes"] == ["3"]
    assert meta["tuned_model"]["score"] == 0
    messages = update_messages(counting, 4)
    [*_, model, update] = messages
    assert (model.key, update.key) == (MODEL, UP)
    pmml = read_pmml(model.message)
    assert get_extension(pmml, "x") == "3"
    # The winner x = 3 is refitted on every line; the candidates trained on the lines not held out.
    test_rows = meta["train_test_split"]["test_rows"]
    assert get_extension(pmml, "rows") == str(40 + 20)
    assert meta["tuned_model"]["train_rows"] == 40 + 20 - test_rows
    assert update.message == "new=20 past=40"
    assert meta["published_model"]["additional_updates"] == 1
