"""Random decision forest figures: ``/predict`` throughput and bulk predictions against same-run baselines, and
generation time on the demo data against bare MLlib with the same parameters.

    .venv/bin/python benchmarks/rdf_predict.py [--dataset iris|diabetes] [--seconds 5] [--rounds 3]
        [--connections 32] [--bulk-lines 1000] [--brokers HOST:PORT] [--generations 2]

Batch first (needs a broker with Spark's Kafka connector jars in ``$ORYX_STATE_DIR/spark/jars``): the demo data set
on a fresh input topic, then, on one SparkSession at local[2], alternating:

* ``generation``: a whole generation through the Dagster job with the demo config
  (``conf/rdf-<kind>-example.conf``: 20 trees, depth 8, 100 split candidates, two candidates searched):
  Kafka read, Parquet window, split, MLlib random forest per candidate, evaluation, PMML, MODEL publication;
* ``bare MLlib``: the same lines, already in memory, parsed, and one ``RandomForestClassifier`` /
  ``RandomForestRegressor`` fitted with the same parameters and feature subset (a generation fits two candidates
  on 80 % of them, with our split candidates: quantiles, target trees and bins, part of its extra time).

Serving (the forest is the last generation's PMML, loaded through the in-memory update topic): two gunicorn
servers with the options ``python -m oryx_serving`` uses, loaded by ``wrk`` in interleaved rounds (median):

* ``bare Flask /hello``: the baseline, gunicorn + Flask alone;
* ``GET /predict/{datum}``: one demo line per request, cycling through the data set;
* ``POST /predict``: ``--bulk-lines`` lines per request, reported as predictions/s.

In process, the same lines are predicted by our forest one line at a time (as ``GET /predict`` does), by our
compiled forest all at once (as ``POST /predict`` does), and by a scikit-learn ``RandomForest*`` of the same
size predicting the whole array at once.
On a small shared machine compare the ratios, which come from the same run, rather than absolute figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rounds import record_round, report_medians  # noqa: E402
from serving_throughput import (  # noqa: E402
    baseline_app,
    in_memory_app,
    launch_server,
    lines_wrk_script,
    measure_scripted,
    print_scripted,
    run_gunicorn,
    stop_server,
)

REPO = Path(__file__).resolve().parents[1]
GENERATION_MS = 1_700_000_000_000
RDF_SERVING = [
    "oryx.serving.no-init-topics=true",
    "oryx.serving.model-manager-class=com.cloudera.oryx.app.serving.rdf.model.RDFServingModelManager",
    "oryx.serving.application-resources=com.cloudera.oryx.app.serving.rdf",
]


def conf_file(dataset: str) -> str:
    return str(REPO / "conf" / f"rdf-{'classification' if dataset == 'iris' else 'regression'}-example.conf")


def demo_lines(dataset: str) -> list[str]:
    from oryx_cli.demos.rdf.data import diabetes_lines, iris_lines

    return iris_lines(seed=1) if dataset == "iris" else diabetes_lines(seed=1)


# ---- serving ---------------------------------------------------------------------------------------------------


def rdf_app(dataset: str, pmml_path: str) -> Any:
    from oryx_core.config import load_config

    return in_memory_app(load_config(conf_file(dataset), RDF_SERVING), Path(pmml_path).read_text("utf-8"))


def serve(kind: str, port: int, dataset: str, pmml_path: str) -> None:
    run_gunicorn(port, baseline_app if kind == "baseline" else lambda: rdf_app(dataset, pmml_path))


def start_server(kind: str, dataset: str, pmml_path: str) -> tuple[subprocess.Popen[bytes], int]:
    return launch_server(__file__, kind, "--dataset", dataset, "--pmml", pmml_path)


def wrk_script(kind: str, lines: list[str], bulk: int) -> str:
    return lines_wrk_script(kind, "/predict", lines, bulk)


def bench_serving(args: argparse.Namespace, pmml_path: str) -> None:
    lines = demo_lines(args.dataset)
    baseline, baseline_port = start_server("baseline", args.dataset, pmml_path)
    oryx, oryx_port = start_server("rdf", args.dataset, pmml_path)
    base, app = f"http://127.0.0.1:{baseline_port}", f"http://127.0.0.1:{oryx_port}"
    targets = {
        "bare Flask /hello": (f"{base}/hello", wrk_script("get", lines, 0), 1),
        "GET /predict/{datum}": (f"{app}/predict", wrk_script("get-lines", lines, 0), 1),
        f"POST /predict x{args.bulk_lines}": (
            f"{app}/predict",
            wrk_script("post", lines, args.bulk_lines),
            args.bulk_lines,
        ),
    }
    try:
        results = measure_scripted(targets, args)
    finally:
        stop_server(baseline)
        stop_server(oryx)
    print_scripted(targets, results, args, "predictions")


def bench_in_process(args: argparse.Namespace, pmml_path: str) -> None:
    """Our per-line prediction against scikit-learn's vectorised forest of the same size, on the same lines."""
    import numpy as np
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    from oryx_core.apps.rdf.compiled import CompiledForest
    from oryx_core.apps.rdf.pmml import forest_from_pmml
    from oryx_core.config import load_config
    from oryx_core.input.lines import parse_line
    from oryx_core.input.schema import InputSchema
    from oryx_core.ml.pmml import read_pmml

    config = load_config(conf_file(args.dataset))
    forest, encodings = forest_from_pmml(read_pmml(Path(pmml_path).read_text("utf-8")), InputSchema.from_config(config))
    lines = (demo_lines(args.dataset) * (args.bulk_lines // len(demo_lines(args.dataset)) + 1))[: args.bulk_lines]
    fields = [parse_line(line) for line in lines]
    x = np.array([encodings.features(f) for f in fields])
    y = np.array([encodings.target(f) for f in fields])
    kind = RandomForestClassifier if forest.is_classification else RandomForestRegressor
    sklearn_forest = kind(n_estimators=len(forest.trees), max_depth=8, random_state=0, n_jobs=1).fit(x, y)

    def rate(predict: Any, repeat: int = 5) -> float:
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            predict()
            timings.append(time.perf_counter() - started)
        return len(lines) / statistics.median(timings)

    ours = rate(lambda: [forest.predict(encodings.features(parse_line(line))) for line in lines])
    ours_routing = rate(lambda: [forest.predict(row) for row in x])
    compiled = CompiledForest(forest)
    ours_compiled = rate(lambda: compiled.predict(x))
    theirs = rate(lambda: sklearn_forest.predict(x))
    print(f"\nin process, {len(lines)} lines, {len(forest.trees)} trees:")
    print(f"  oryx forest, parse + predict per line  {ours:>10.0f} predictions/s")
    print(f"  oryx forest, predict per line           {ours_routing:>10.0f} predictions/s")
    print(f"  oryx compiled forest, predict(array)    {ours_compiled:>10.0f} predictions/s")
    print(f"  scikit-learn predict(array)             {theirs:>10.0f} predictions/s")
    print(f"  oryx compiled / scikit-learn = {ours_compiled / theirs:.3f}")


# ---- batch -----------------------------------------------------------------------------------------------------


def time_generation(args: argparse.Namespace, lines: list[str], folder: Path, timestamp_ms: int) -> float:
    from dagster import DagsterInstance

    from oryx_assets.generation import run_generation
    from oryx_assets.resources import OryxConfigResource
    from oryx_core.topics.admin import TopicAdmin
    from oryx_core.topics.producer import TopicProducer

    brokers, suffix = args.brokers, uuid.uuid4().hex[:10]
    input_topic, update_topic = f"BenchInput-{suffix}", f"BenchUpdate-{suffix}"
    TopicAdmin(brokers).create_oryx_topics(input_topic, update_topic)
    with TopicProducer(brokers, input_topic, linger_ms=50) as producer:
        for line in lines:
            producer.send(None, line)
        producer.flush(120)
    oryx = OryxConfigResource(
        conf_file=conf_file(args.dataset),
        overrides=[
            f"oryx.id=bench-{suffix}",
            f"oryx.input-topic.broker={brokers}",
            f"oryx.input-topic.message.topic={input_topic}",
            f"oryx.update-topic.broker={brokers}",
            f"oryx.update-topic.message.topic={update_topic}",
            f"oryx.batch.storage.data-dir=file:{folder}/data/",
            f"oryx.batch.storage.model-dir=file:{folder}/model/",
            'oryx.batch.streaming.config."spark.sql.shuffle.partitions"=4',
            'oryx.batch.streaming.config."spark.ui.enabled"=false',
        ],
    )
    started = time.perf_counter()
    with DagsterInstance.ephemeral() as instance:
        summary = run_generation(oryx, instance, timestamp_ms)
    elapsed = time.perf_counter() - started
    TopicAdmin(brokers).delete_topics([input_topic, update_topic])
    if not summary.success:
        raise SystemExit("\n".join(summary.lines()))
    return elapsed


def time_bare_mllib(args: argparse.Namespace, lines: list[str]) -> float:
    """Parse in memory and fit one forest with the demo config's parameters (the first candidate's)."""
    from pyspark.ml.classification import RandomForestClassifier
    from pyspark.ml.linalg import Vectors
    from pyspark.ml.regression import RandomForestRegressor
    from pyspark.sql import SparkSession

    spark = SparkSession.getActiveSession()
    assert spark is not None, "the generation starts the session first"
    started = time.perf_counter()
    if args.dataset == "iris":
        classes = {"setosa": 0.0, "versicolor": 1.0, "virginica": 2.0}
        rows = [(classes[f[4]], Vectors.dense([float(v) for v in f[:4]])) for f in (line.split(",") for line in lines)]
        estimator: Any = RandomForestClassifier(
            numTrees=20, maxDepth=8, maxBins=100, impurity="entropy", minInstancesPerNode=1, seed=1234
        )
    else:
        rows = [
            (float(f[-1]), Vectors.dense([float(v) - (1.0 if i == 1 else 0.0) for i, v in enumerate(f[:-1])]))
            for f in (line.split(",") for line in lines)
        ]
        estimator = RandomForestRegressor(
            numTrees=20, maxDepth=4, maxBins=100, minInstancesPerNode=5, featureSubsetStrategy="all", seed=1234
        )
    model = estimator.fit(spark.createDataFrame(rows, ["label", "features"]))
    assert model.getNumTrees == 20
    return time.perf_counter() - started


def bench_batch(args: argparse.Namespace, scratch: Path) -> str:
    """Runs the rounds; returns the last generation's PMML path."""
    lines = demo_lines(args.dataset)
    results: dict[str, list[float]] = {"generation": [], "bare MLlib": []}
    pmml = ""
    for round_number in range(args.generations + 1):
        folder = scratch / f"round-{round_number}"
        timestamp = GENERATION_MS + round_number
        timings = {}
        if round_number % 2 == 0:
            timings["generation"] = time_generation(args, lines, folder, timestamp)
        timings["bare MLlib"] = time_bare_mllib(args, lines)
        if round_number % 2 == 1:
            timings["generation"] = time_generation(args, lines, folder, timestamp)
        pmml = str(folder / "model" / str(timestamp) / "model.pmml")
        record_round(results, round_number, timings)
    title = f"batch: {args.dataset}, {len(lines)} demo lines, median of {args.generations} rounds at local[2]"
    median = report_medians(title, results)
    print(f"  generation / bare MLlib = {median['generation'] / median['bare MLlib']:.2f}")
    return pmml


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--dataset", choices=["iris", "diabetes"], default="iris")
    parser.add_argument("--seconds", type=int, default=5, help="per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--bulk-lines", type=int, default=1000)
    parser.add_argument("--brokers", default="127.0.0.1:9092")
    parser.add_argument("--generations", type=int, default=2)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--pmml", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.dataset, args.pmml)
        return 0
    os.environ.setdefault("ORYX_STATE_DIR", str(REPO / ".oryx"))  # the demo configs name their folders under it
    print(f"load average before: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="oryx-bench-rdf-") as scratch:
        pmml = bench_batch(args, Path(scratch))
        from pyspark.sql import SparkSession

        session = SparkSession.getActiveSession()
        if session is not None:
            session.stop()
        kept = Path(scratch) / "model.pmml"
        kept.write_text(Path(pmml).read_text("utf-8"), "utf-8")
        bench_in_process(args, str(kept))
        bench_serving(args, str(kept))
    return 0


if __name__ == "__main__":
    sys.exit(main())
