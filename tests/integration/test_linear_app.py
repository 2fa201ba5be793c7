"""The linear regression app end to end on the real broker, Spark, Dagster and serving, on synthetic data whose
coefficients are known (``oryx_cli.demos.linear.data``).

One pipeline per module: the lines go to the input topic; a generation runs through Dagster (split, a ridge search
over lambda, RMSE against the mean, refit, PMML, MODEL on the update topic); the serving app follows the update
topic and answers ``/predict`` close to the true coefficients; an independent PMML evaluator (JPMML, in a
subprocess so its JVM never meets Spark's) scores the published ``RegressionModel`` as serving does; the speed
layer's Structured Streaming query reads new examples and, by design, publishes no ``UP``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_pipeline import AppPipeline, app_pipeline
from batch_support import batch_overrides, produce, update_messages
from speed_support import SpeedRun, input_end_offsets

from oryx_cli.demos.linear.data import COEFFICIENTS, INTERCEPT, NOISE, synthetic_lines, true_value
from oryx_core.apps.linear.examples import linear_schema
from oryx_core.apps.linear.pmml import read_linear_pmml
from oryx_core.ml.pmml import find_child, read_pmml
from oryx_core.spark import build_spark_session
from oryx_core.topics.messages import MODEL
from oryx_streaming.apps.linear import LinearSpeedModelManager

ROWS = 1000
BAD_LINES = ["1.0,2.0", "1,x,3,4", "1,2,3,"]
PROBES = ((0.0, 0.0, 0.0), (1.0, -5.0, 50.0), (-2.0, 10.0, -100.0), (0.5, 3.0, 20.0))
SCORER = Path(__file__).with_name("rdf_pmml_scorer.py")
"""The JPMML scorer the RDF test uses; it reads any model's target field, so a RegressionModel too."""


def linear_overrides(brokers: str, topics: tuple[str, str], tmp: Path) -> list[str]:
    """The app named by its Python paths only: it has no Oryx 2 Java names."""
    return [
        *batch_overrides(brokers, topics, tmp, "oryx_assets.apps.linear.LinearUpdate"),
        'oryx.input-schema.feature-names=["x1", "x2", "x3", "y"]',
        "oryx.input-schema.categorical-features=[]",
        "oryx.input-schema.target-feature=y",
        "oryx.ml.eval.test-fraction=0.2",
        "oryx.ml.eval.candidates=3",
        "oryx.serving.model-manager-class=oryx_serving.apps.linear.manager.LinearServingModelManager",
        "oryx.serving.application-resources=oryx_serving.apps.linear",
        "oryx.speed.model-manager-class=oryx_streaming.apps.linear.LinearSpeedModelManager",
        "oryx.speed.streaming.master=local[2]",
        f"oryx.speed.streaming.checkpoint-dir={tmp}/checkpoint",
        "oryx.speed.streaming.generation-interval-sec=1",
    ]


@pytest.fixture(scope="module")
def pipeline(kafka_brokers: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppPipeline]:
    tmp = tmp_path_factory.mktemp("linear")
    with app_pipeline(kafka_brokers, tmp, "lin", linear_overrides, synthetic_lines(ROWS) + BAD_LINES) as run:
        yield run


def datum(probe: tuple[float, ...]) -> str:
    return ",".join(repr(v) for v in probe) + ","


def test_generation_publishes_a_regression_model_near_the_true_coefficients(pipeline: AppPipeline) -> None:
    root = read_pmml(pipeline.model_text)
    regression = find_child(root, "RegressionModel")
    assert regression is not None and regression.get("functionName") == "regression"
    model = read_linear_pmml(root, linear_schema(pipeline.config))
    # 1000 rows with noise 0.1: least squares is within a few standard errors; the searched ridge penalty on
    # standardised features shrinks by at most lambda's share, and the search keeps the lowest test RMSE.
    assert model.intercept == pytest.approx(INTERCEPT, abs=0.05)
    assert model.coefficients == pytest.approx(COEFFICIENTS, rel=0.02)


def test_the_model_is_scored_against_the_mean_and_beats_it(pipeline: AppPipeline) -> None:
    assert pipeline.metadata["train_test_split"]["new_rows"] == ROWS + len(BAD_LINES)
    tuned = pipeline.metadata["tuned_model"]
    assert tuned["metric_rmse"] == pytest.approx(NOISE, rel=0.25)
    assert tuned["score"] == -tuned["metric_rmse"]
    assert tuned["baseline"] == "mean"
    assert tuned["baseline_score"] < -20 * NOISE  # the spread of y is about 25, so the mean is far worse


def test_predict_answers_close_to_the_known_coefficients(pipeline: AppPipeline) -> None:
    client = pipeline.client
    for probe in PROBES:
        answer = client.get(f"/predict/{datum(probe)}")
        assert answer.status_code == 200
        assert float(answer.text) == pytest.approx(true_value(probe), abs=0.15)
    json_answer = client.get(f"/predict/{datum(PROBES[1])}", headers={"Accept": "application/json"})
    assert json_answer.get_json() == pytest.approx(true_value(PROBES[1]), abs=0.15)
    bad = client.get("/predict/1,2,")
    assert (bad.status_code, bad.text) == (400, "Bad datum: has 3 fields, expected 4 (x1, x2, x3, y)")


def test_independent_pmml_evaluator_predicts_what_serving_answers(pipeline: AppPipeline) -> None:
    rows = [{"x1": p[0], "x2": p[1], "x3": p[2]} for p in PROBES]
    pmml_file, rows_file = pipeline.tmp / "published.pmml", pipeline.tmp / "rows.json"
    pmml_file.write_text(pipeline.model_text, "utf-8")
    rows_file.write_text(json.dumps(rows), "utf-8")
    evaluated = subprocess.run(
        [sys.executable, str(SCORER), str(pmml_file), str(rows_file)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    jpmml = json.loads(evaluated.stdout.strip().splitlines()[-1])
    served = pipeline.client.post("/predict", data="\n".join(datum(p) for p in PROBES), content_type="text/csv")
    assert served.status_code == 200
    assert [float(v) for v in served.text.splitlines()] == pytest.approx(jpmml, rel=1e-12, abs=1e-12)


def test_speed_layer_reads_new_examples_and_publishes_no_update(pipeline: AppPipeline) -> None:
    config = pipeline.config
    spark = build_spark_session(config, "speed", app_name="OryxSpeedLayer-linear-test")
    with SpeedRun(spark, config, LinearSpeedModelManager, starting_offsets=input_end_offsets(config)) as run:
        run.query.processAllAvailable()
        produce(pipeline.oryx, synthetic_lines(5, seed=99))
        run.wait_for_rows(5)
    assert [m.key for m in update_messages(pipeline.oryx, 1)] == [MODEL]
