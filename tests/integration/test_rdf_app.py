"""The random decision forest app end to end, classification (Iris) and regression (diabetes), on the real
broker, Spark and Dagster.

One pipeline per kind (a generation is the slow part): demo lines plus bad lines go to the input topic; a
generation runs through Dagster (split, MLlib random forest, evaluation, PMML, MODEL on the update topic); the
serving app follows the update topic; JPMML (an independent evaluator, in a subprocess so its JVM never meets
Spark's) scores the published PMML exactly like the serving layer; every endpoint answers, bad input with 400;
then the speed layer's Structured Streaming query turns new examples into leaf updates and the serving app's
answers move by the exact expected amounts. Tests run in file order per kind; the last one changes the model.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from app_pipeline import AppPipeline, app_pipeline
from batch_support import batch_overrides, produce, update_messages
from rdf_pmml_scorer import score_in_child_process
from speed_support import SpeedRun, input_end_offsets
from support.waiting import wait_for

from oryx_cli.demos.rdf.data import DIABETES_COLUMNS, IRIS_COLUMNS, diabetes_lines, iris_lines
from oryx_core.apps.rdf.encoding import Encodings
from oryx_core.apps.rdf.pmml import forest_from_pmml, hyperparams_of
from oryx_core.apps.rdf.trees import Forest
from oryx_core.apps.rdf.updates import ClassCountsUpdate, MeanUpdate, parse_update
from oryx_core.input.lines import parse_line
from oryx_core.input.schema import InputSchema
from oryx_core.ml.pmml import find_child, find_children, get_extension, iter_descendants, read_pmml
from oryx_core.spark import build_spark_session
from oryx_core.topics.consumer import InputTopicReader
from oryx_core.topics.messages import UP
from oryx_streaming.apps.rdf import RDFSpeedModelManager


@dataclass(frozen=True)
class Kind:
    name: str
    columns: tuple[str, ...]
    categorical: tuple[str, ...]
    target: str
    num_trees: int
    bad_lines: tuple[str, ...]

    @property
    def classification(self) -> bool:
        return self.target in self.categorical

    def lines(self) -> list[str]:
        return iris_lines(seed=3) if self.classification else diabetes_lines(seed=3)


IRIS = Kind("iris", IRIS_COLUMNS, ("species",), "species", 5, ("1.0,2.0,3.0", "a,b,c,d,setosa", "1,2,3,4,"))
DIABETES = Kind("diabetes", DIABETES_COLUMNS, ("sex",), "progression", 3, ("1,2,3", "59,2,x,1,1,1,1,1,1,1,1"))


@dataclass
class Pipeline(AppPipeline):
    kind: Kind

    def model(self) -> tuple[Forest, Encodings]:
        return forest_from_pmml(read_pmml(self.model_text), InputSchema.from_config(self.config))


def rdf_overrides(kind: Kind, brokers: str, topics: tuple[str, str], tmp: Path) -> list[str]:
    return [
        *batch_overrides(brokers, topics, tmp, "com.cloudera.oryx.app.batch.mllib.rdf.RDFUpdate"),
        f"oryx.input-schema.feature-names={json.dumps(list(kind.columns))}",
        f"oryx.input-schema.categorical-features={json.dumps(list(kind.categorical))}",
        f"oryx.input-schema.target-feature={kind.target}",
        f"oryx.rdf.num-trees={kind.num_trees}",
        "oryx.rdf.hyperparams.max-depth=5",
        "oryx.rdf.hyperparams.max-split-candidates=32",
        "oryx.rdf.hyperparams.min-node-size=3",
        "oryx.rdf.hyperparams.min-info-gain-nats=0.0001",
        f"oryx.rdf.hyperparams.impurity={'gini' if kind.classification else 'variance'}",
        "oryx.ml.eval.test-fraction=0.2",
        "oryx.ml.eval.candidates=1",
        "oryx.serving.model-manager-class=com.cloudera.oryx.app.serving.rdf.model.RDFServingModelManager",
        "oryx.serving.application-resources=com.cloudera.oryx.app.serving,com.cloudera.oryx.app.serving.classreg,"
        "com.cloudera.oryx.app.serving.rdf",
        "oryx.speed.model-manager-class=com.cloudera.oryx.app.speed.rdf.RDFSpeedModelManager",
        "oryx.speed.streaming.master=local[2]",
        f"oryx.speed.streaming.checkpoint-dir={tmp}/checkpoint",
        "oryx.speed.streaming.generation-interval-sec=1",
    ]


@pytest.fixture(scope="module", params=[IRIS, DIABETES], ids=lambda kind: kind.name)
def pipeline(
    request: pytest.FixtureRequest, kafka_brokers: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pipeline]:
    kind: Kind = request.param
    tmp = tmp_path_factory.mktemp(f"rdf-{kind.name}")
    with app_pipeline(
        kafka_brokers, tmp, "rdf", lambda *args: rdf_overrides(kind, *args), kind.lines() + list(kind.bad_lines)
    ) as run:
        yield Pipeline(**vars(run), kind=kind)


def test_generation_publishes_a_forest_with_encodings_counts_and_importances(pipeline: Pipeline) -> None:
    kind, root = pipeline.kind, read_pmml(pipeline.model_text)
    mining = find_child(root, "MiningModel")
    assert mining is not None
    assert mining.get("functionName") == ("classification" if kind.classification else "regression")
    segmentation = find_child(mining, "Segmentation")
    assert segmentation is not None and len(find_children(segmentation, "Segment")) == kind.num_trees
    forest, encodings = pipeline.model()
    if kind.classification:
        assert encodings.values["species"] == ["setosa", "versicolor", "virginica"]
    else:
        assert encodings.values["sex"] == ["1", "2"]
    assert math.fsum(forest.importances) == pytest.approx(1.0)
    assert hyperparams_of(root) == {
        "maxDepth": "5",
        "maxSplitCandidates": "32",
        "impurity": "gini" if kind.classification else "variance",
        "minNodeSize": "3",
        "minInfoGainNats": "0.0001",
    }
    # Our per-task feature subset ("auto": sqrt of the 4 Iris features, every diabetes feature) and split candidates.
    assert get_extension(root, "featureSubsetStrategy") == ("sqrt" if kind.classification else "all")
    assert get_extension(root, "splitCandidates") == "quantile-and-target"
    # Every inner node's count is the sum of its children's, and its default child is the larger one.
    for tree in iter_descendants(root, "TreeModel"):
        for node in iter_descendants(tree, "Node"):
            children = find_children(node, "Node")
            if children:
                counts = {c.get("id"): float(c.get("recordCount", "nan")) for c in children}
                assert float(node.get("recordCount", "nan")) == pytest.approx(sum(counts.values()))
                assert counts[node.get("defaultChild")] == max(counts.values())
    split = pipeline.metadata["train_test_split"]
    assert split["new_rows"] == len(kind.lines()) + len(kind.bad_lines)


def test_generation_records_the_forest_metrics_next_to_its_baseline(pipeline: Pipeline) -> None:
    kind, tuned = pipeline.kind, pipeline.metadata["tuned_model"]
    test_rows = pipeline.metadata["train_test_split"]["test_rows"]
    # Every test line but the bad ones (each bad line is unscorable) is scored.
    assert test_rows - len(kind.bad_lines) <= tuned["scored_test_rows"] <= test_rows
    if kind.classification:
        assert tuned["baseline"] == "majority"
        assert (
            tuned["score"] == tuned["metric_accuracy"]
            and tuned["baseline_score"] == tuned["baseline_majority_accuracy"]
        )
        assert 0.85 <= tuned["metric_accuracy"] <= 1.0, "accuracy on Iris"
        assert tuned["baseline_majority_accuracy"] < 0.5, "three balanced species"
        # The baseline gives each species its training share, about a third: log-loss about ln 3.
        assert tuned["baseline_majority_log_loss"] == pytest.approx(math.log(3), abs=0.1)
        assert 0.0 < tuned["metric_log_loss"] < tuned["baseline_majority_log_loss"]
    else:
        assert tuned["baseline"] == "mean"
        assert tuned["score"] == -tuned["metric_rmse"] and tuned["baseline_score"] == -tuned["baseline_mean_rmse"]
        assert 40.0 <= tuned["metric_rmse"] < 75.0, "RMSE on diabetes (the target's standard deviation is 77)"
        assert tuned["metric_mae"] < tuned["metric_rmse"] < tuned["baseline_mean_rmse"]
        assert 60.0 <= tuned["baseline_mean_rmse"] <= 95.0, "the training mean misses by about a standard deviation"


def jpmml_predictions(pipeline: Pipeline, lines: list[str]) -> list[Any]:
    kind = pipeline.kind
    rows = []
    for line in lines:
        fields = dict(zip(kind.columns, parse_line(line), strict=True))
        fields.pop(kind.target)
        rows.append({c: (v if c in kind.categorical else float(v)) if v else None for c, v in fields.items()})
    return score_in_child_process(pipeline.model_text, rows, pipeline.tmp)


def missing_one_value(pipeline: Pipeline, lines: list[str]) -> list[str]:
    """Lines with their most important predictor blanked, so missing values take the default child."""
    forest, encodings = pipeline.model()
    top = encodings.schema.predictors[int(np.argmax(forest.importances))]
    index = pipeline.kind.columns.index(top)
    return [",".join("" if i == index else v for i, v in enumerate(parse_line(line))) for line in lines]


def unseen_category(pipeline: Pipeline, lines: list[str]) -> list[str]:
    """Lines with each categorical predictor set to a value the model never saw (none for Iris)."""
    kind = pipeline.kind
    indices = [kind.columns.index(c) for c in kind.categorical if c != kind.target]
    return [",".join("unseen" if i in indices else v for i, v in enumerate(parse_line(line))) for line in lines]


def test_independent_pmml_evaluator_predicts_exactly_like_the_serving_layer(pipeline: Pipeline) -> None:
    """Unseen categories too: the PMML declares them missing (invalidValueTreatment asMissing), as we serve them."""
    lines = pipeline.kind.lines()
    lines += missing_one_value(pipeline, lines[:40])
    if not pipeline.kind.classification:
        lines += unseen_category(pipeline, lines[:40])
    expected = jpmml_predictions(pipeline, lines)
    served = pipeline.client.post("/predict", data="\n".join(lines), content_type="text/csv")
    assert served.status_code == 200
    predictions = served.text.splitlines()
    if pipeline.kind.classification:
        assert predictions == expected
        assert len(set(predictions)) == 3
    else:
        assert [float(p) for p in predictions] == pytest.approx(expected, rel=1e-9)
        assert all(float(p) != int(float(p)) for p in predictions[:20]), "leaf values are not truncated"


def datum_of(pipeline: Pipeline, index: int = 0) -> str:
    return pipeline.kind.lines()[index]


def test_predict_answers_one_example_in_csv_and_json(pipeline: Pipeline) -> None:
    """JSON: a class name is a string, a value a number (Oryx 2 wrote the bare text)."""
    forest, encodings = pipeline.model()
    datum = datum_of(pipeline)
    expected = forest.predict(encodings.features(parse_line(datum)))
    assert pipeline.client.get(f"/predict/{datum}").text == expected
    as_json = pipeline.client.get(f"/predict/{datum}", headers={"Accept": "application/json"}).get_json()
    assert as_json == (expected if pipeline.kind.classification else float(expected))


def test_classification_distribution_or_400_for_regression(pipeline: Pipeline) -> None:
    response = pipeline.client.get(
        f"/classificationDistribution/{datum_of(pipeline)}", headers={"Accept": "application/json"}
    )
    if not pipeline.kind.classification:
        assert (response.status_code, response.text) == (400, "Only applicable for classification")
        return
    distribution = response.get_json()
    assert [d["id"] for d in distribution] == ["setosa", "versicolor", "virginica"]
    assert math.fsum(d["value"] for d in distribution) == pytest.approx(1.0)
    best = max(distribution, key=lambda d: d["value"])["id"]
    assert best == pipeline.client.get(f"/predict/{datum_of(pipeline)}").text


def test_feature_importances_per_column(pipeline: Pipeline) -> None:
    forest, encodings = pipeline.model()
    answer = pipeline.client.get("/feature/importance", headers={"Accept": "application/json"}).get_json()
    by_name = dict(zip(encodings.schema.predictors, forest.importances, strict=True))
    assert answer == [by_name.get(name, 0.0) for name in pipeline.kind.columns]
    assert float(pipeline.client.get("/feature/importance/0").text) == answer[0]
    assert pipeline.client.get(f"/feature/importance/{len(answer)}").text == "Bad feature number"


def test_bad_input_is_400_with_a_message(pipeline: Pipeline) -> None:
    kind = pipeline.kind
    fields = parse_line(datum_of(pipeline))
    cases = {
        ",".join(fields[:-2]): f"has {len(fields) - 2} fields, expected {len(fields)}",
        ",".join(["x", *fields[1:]]): f"column {kind.columns[0]!r}: 'x' is not a number",
        "%20": "empty datum",
    }
    for datum, message in cases.items():
        response = pipeline.client.get(f"/predict/{datum}")
        assert response.status_code == 400 and message in response.text, (datum, response.text)
    bulk = pipeline.client.post("/predict", data=f"{datum_of(pipeline)}\n1,2\n", content_type="text/csv")
    assert bulk.status_code == 400 and bulk.text.startswith("line 2: has 2 fields")
    assert pipeline.client.get("/classificationDistribution/1,2").status_code == 400


def incomplete_rows(pipeline: Pipeline) -> dict[str, int]:
    """``oryx_serving_rdf_incomplete_rows_total`` of bulk ``/predict`` by reason."""
    found = {}
    for line in pipeline.client.get("/metrics").text.splitlines():
        if line.startswith('oryx_serving_rdf_incomplete_rows_total{endpoint="/predict",'):
            found[line.split('reason="')[1].split('"')[0]] = int(line.rsplit(" ", 1)[1])
    return found


def test_hostile_numbers_and_incomplete_rows_are_answered_and_counted(pipeline: Pipeline) -> None:
    """-2 and -1e308 once made bulk /predict a 500; an unseen category or a missing value once failed the batch."""
    kind = pipeline.kind
    fields = parse_line(datum_of(pipeline))
    numeric = next(i for i, c in enumerate(kind.columns) if c not in kind.categorical)
    lines = []
    for value in ("-2", "-1e308", "1e308", "-inf", "inf", "-0.0", "5e-324", "NaN", ""):
        lines.append(",".join(value if i == numeric else v for i, v in enumerate(fields)))
    lines += unseen_category(pipeline, [datum_of(pipeline)]) if not kind.classification else []
    before = incomplete_rows(pipeline)
    response = pipeline.client.post("/predict", data="\n".join(lines), content_type="text/csv")
    assert response.status_code == 200, response.text
    forest, encodings = pipeline.model()
    vectors = [encodings.prediction_features(parse_line(line)).vector for line in lines]
    assert response.text.splitlines() == [forest.predict(vector) for vector in vectors]
    after = incomplete_rows(pipeline)
    assert after.get("missing", 0) - before.get("missing", 0) == 2
    assert after.get("unseen", 0) - before.get("unseen", 0) == (0 if kind.classification else 1)


def test_train_writes_lines_to_the_input_topic(pipeline: Pipeline, kafka_brokers: str) -> None:
    topic = pipeline.config.get_string("oryx.input-topic.message.topic")
    reader = InputTopicReader(kafka_brokers, topic, group_id=f"test-train-{uuid.uuid4().hex[:6]}")
    lines = pipeline.kind.lines()[:3]
    try:
        before = reader.end_offsets()
        assert pipeline.client.post(f"/train/{lines[0]}").status_code == 204
        assert pipeline.client.post("/train", data="\n".join(lines[1:]), content_type="text/csv").status_code == 204
        sent = [m.message for m in reader.read_range(before, reader.end_offsets(), idle_timeout=10)]
    finally:
        reader.close()
    assert sorted(sent) == sorted(lines)


def test_console_and_ready(pipeline: Pipeline) -> None:
    assert pipeline.client.get("/ready").status_code == 200
    page = pipeline.client.get("/")
    assert page.status_code == 200 and "/predict" in page.text and "/feature/importance" in page.text


def run_speed_layer(pipeline: Pipeline, lines: list[str]) -> list[str]:
    """Runs the speed layer's query over ``lines`` only (sent after it starts) and returns the UPs it published."""
    config = pipeline.config
    spark = build_spark_session(config, "speed", app_name="OryxSpeedLayer-rdf-test")
    with SpeedRun(spark, config, RDFSpeedModelManager, starting_offsets=input_end_offsets(config)) as run:
        run.query.processAllAvailable()
        produce(pipeline.oryx, lines)
        run.wait_for_rows(len(lines))
    return [m.message for m in update_messages(pipeline.oryx, 1 + pipeline.kind.num_trees) if m.key == UP]


def test_speed_layer_updates_the_reached_leaves_and_serving_follows_exactly(pipeline: Pipeline) -> None:
    forest, encodings = pipeline.model()
    fields = parse_line(datum_of(pipeline))
    features = encodings.features(fields)
    leaves = forest.leaves_for(features)
    datum = datum_of(pipeline)
    if pipeline.kind.classification:
        # Three new examples labelled with the class the forest finds least likely here.
        target = int(np.argmin(forest.distribution(features)))
        label = encodings.values["species"][target]
        new_lines = [",".join([*fields[:-1], label])] * 3
        ups = run_speed_layer(pipeline, new_lines)
        assert sorted(map(parse_update, ups), key=lambda u: u.tree) == [
            ClassCountsUpdate(i, leaf.id, {target: 3}) for i, leaf in enumerate(leaves)
        ]
        expected = np.mean(
            [(np.add(leaf.counts, np.eye(len(leaf.counts))[target] * 3)) / (leaf.record_count + 3) for leaf in leaves],
            axis=0,
        )

        def served() -> list[float]:
            answer = pipeline.client.get(f"/classificationDistribution/{datum}", headers={"Accept": "application/json"})
            return [d["value"] for d in answer.get_json()]

        wait_for(lambda: served() == pytest.approx(expected.tolist(), rel=1e-12), 30, "serving to apply the UPs")
        assert served()[target] > forest.distribution(features)[target]
    else:
        new_lines = [",".join([*fields[:-1], "100"]), ",".join([*fields[:-1], "300"])]
        ups = run_speed_layer(pipeline, new_lines)
        assert sorted(map(parse_update, ups), key=lambda u: u.tree) == [
            MeanUpdate(i, leaf.id, 200.0, 2) for i, leaf in enumerate(leaves)
        ]
        moved = [leaf.value + 2 / (leaf.count + 2) * (200.0 - leaf.value) for leaf in leaves]  # type: ignore[union-attr]
        expected_value = math.fsum(moved) / len(moved)
        wait_for(
            lambda: float(pipeline.client.get(f"/predict/{datum}").text) == pytest.approx(expected_value, rel=1e-12),
            30,
            "serving to apply the UPs",
        )
