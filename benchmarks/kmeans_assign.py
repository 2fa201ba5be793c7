"""k-means figures: ``/assign`` throughput against a bare Flask route, and batch generation time against bare MLlib.

    .venv/bin/python benchmarks/kmeans_assign.py [--seconds 5] [--rounds 3] [--connections 32] [--bulk-lines 1000]
        [--brokers HOST:PORT] [--generations 3] [--copies 1] [--skip-serving] [--skip-batch]

Serving (no broker needed; the model arrives through the in-memory update topic): two gunicorn servers with the
options ``python -m oryx_serving`` uses, loaded by ``wrk`` in interleaved rounds (median reported):

* ``bare Flask /hello``: the baseline, gunicorn + Flask alone;
* ``oryx /ready``: the generic serving tier on the k-means app;
* ``GET /assign/{datum}``: one Iris line per request, cycling through all 150;
* ``POST /assign``: ``--bulk-lines`` Iris lines per request, reported as lines/s.

Batch (needs a broker with Spark's Kafka connector jars in ``$ORYX_STATE_DIR/spark/jars``): the demo data
(Iris, 150 lines, times ``--copies``) on a fresh input topic, then, on one SparkSession at local[2]:

* ``generation``: a whole generation through the Dagster job (``run_generation``) with the demo config's k-means
  settings (k=3, 30 iterations, k-means||, test-fraction 0.1, SILHOUETTE): Kafka read, Parquet window, split,
  MLlib KMeans, evaluation, PMML, MODEL publication;
* ``bare MLlib``: the same lines, already in memory, parsed and fitted by ``pyspark.ml.clustering.KMeans`` with
  the same parameters, as many times as a generation fits (``oryx.kmeans.runs``, from successive seeds, the
  lowest training cost kept; fits and cluster sizes only).

The model is the same demo model in both. On a small shared machine compare the ratios, which come from the
same run, rather than absolute figures.
"""

from __future__ import annotations

import argparse
import os
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
GENERATION_SECONDS_ROUND = 1_700_000_000_000

KMEANS_SERVING = [
    "oryx.serving.no-init-topics=true",
    "oryx.serving.model-manager-class=com.cloudera.oryx.app.serving.kmeans.model.KMeansServingModelManager",
    "oryx.serving.application-resources=com.cloudera.oryx.app.serving.kmeans",
]


def demo_overrides() -> list[str]:
    """The demo config's schema and k-means keys, without its broker and storage settings."""
    return [
        'oryx.input-schema.feature-names=["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]',
        "oryx.input-schema.categorical-features=[]",
        'oryx.input-schema.ignored-features=["species"]',
        "oryx.kmeans.hyperparams.k=3",
        "oryx.kmeans.iterations=30",
        'oryx.kmeans.initialization-strategy="k-means||"',
        "oryx.kmeans.evaluation-strategy=SILHOUETTE",
        "oryx.ml.eval.test-fraction=0.1",
    ]


# ---- serving ---------------------------------------------------------------------------------------------------


def kmeans_app() -> Any:
    """The real ``create_app`` with the k-means app and a 3-cluster Iris model (centers = species means)."""
    import numpy as np

    from oryx_cli.demos.kmeans.data import iris_lines
    from oryx_core.apps.kmeans.clusters import KMeansModel
    from oryx_core.apps.kmeans.pmml import build_kmeans_pmml
    from oryx_core.apps.kmeans.points import kmeans_schema
    from oryx_core.config import load_config
    from oryx_core.ml.pmml import write_pmml

    config = load_config(None, [*KMEANS_SERVING, *demo_overrides()])
    rows = np.array([[float(v) for v in line.split(",")] for line in iris_lines()])
    centers = [rows[rows[:, 4] == s, :4].mean(axis=0).tolist() for s in range(3)]
    model = KMeansModel.of(centers, [50, 50, 50])
    return in_memory_app(config, write_pmml(build_kmeans_pmml(kmeans_schema(config), model)))


def serve(kind: str, port: int) -> None:
    run_gunicorn(port, baseline_app if kind == "baseline" else kmeans_app)


def wrk_script(kind: str, lines: list[str], bulk: int) -> str:
    return lines_wrk_script(kind, "/assign", lines, bulk)


def bench_serving(args: argparse.Namespace) -> None:
    from oryx_cli.demos.kmeans.data import iris_lines

    lines = iris_lines()
    baseline, baseline_port = launch_server(__file__, "baseline")
    oryx, oryx_port = launch_server(__file__, "kmeans")
    base, app = f"http://127.0.0.1:{baseline_port}", f"http://127.0.0.1:{oryx_port}"
    targets = {
        "bare Flask /hello": (f"{base}/hello", wrk_script("get", lines, 0), 1),
        "oryx /ready": (f"{app}/ready", wrk_script("get", lines, 0), 1),
        "GET /assign/{datum}": (f"{app}/assign", wrk_script("get-lines", lines, 0), 1),
        f"POST /assign x{args.bulk_lines}": (
            f"{app}/assign",
            wrk_script("post", lines, args.bulk_lines),
            args.bulk_lines,
        ),
    }
    try:
        results = measure_scripted(targets, args)
    finally:
        stop_server(baseline)
        stop_server(oryx)
    print_scripted(targets, results, args, "lines")


# ---- batch -----------------------------------------------------------------------------------------------------


def time_generation(brokers: str, lines: list[str], folder: Path, timestamp_ms: int) -> float:
    from dagster import DagsterInstance

    from oryx_assets.generation import run_generation
    from oryx_assets.resources import OryxConfigResource
    from oryx_core.topics.admin import TopicAdmin
    from oryx_core.topics.producer import TopicProducer

    suffix = uuid.uuid4().hex[:10]
    input_topic, update_topic = f"BenchInput-{suffix}", f"BenchUpdate-{suffix}"
    TopicAdmin(brokers).create_oryx_topics(input_topic, update_topic)
    with TopicProducer(brokers, input_topic, linger_ms=50) as producer:
        for line in lines:
            producer.send(None, line)
        producer.flush(120)
    oryx = OryxConfigResource(
        overrides=[
            f"oryx.id=bench-{suffix}",
            f"oryx.input-topic.broker={brokers}",
            f"oryx.input-topic.message.topic={input_topic}",
            f"oryx.update-topic.broker={brokers}",
            f"oryx.update-topic.message.topic={update_topic}",
            "oryx.batch.update-class=com.cloudera.oryx.app.batch.mllib.kmeans.KMeansUpdate",
            f"oryx.batch.storage.data-dir=file:{folder}/data/",
            f"oryx.batch.storage.model-dir=file:{folder}/model/",
            "oryx.batch.streaming.master=local[2]",
            'oryx.batch.streaming.config."spark.sql.shuffle.partitions"=4',
            'oryx.batch.streaming.config."spark.ui.enabled"=false',
            *demo_overrides(),
        ]
    )
    started = time.perf_counter()
    with DagsterInstance.ephemeral() as instance:
        summary = run_generation(oryx, instance, timestamp_ms)
    elapsed = time.perf_counter() - started
    TopicAdmin(brokers).delete_topics([input_topic, update_topic])
    if not summary.success:
        raise SystemExit("\n".join(summary.lines()))
    return elapsed


def time_bare_mllib(lines: list[str]) -> float:
    from pyspark.ml.clustering import KMeans
    from pyspark.ml.linalg import Vectors
    from pyspark.sql import SparkSession

    from oryx_core.config import load_config

    spark = SparkSession.getActiveSession()
    assert spark is not None, "the generation starts the session first"
    runs = load_config().get_int("oryx.kmeans.runs")
    started = time.perf_counter()
    rows = [(Vectors.dense([float(v) for v in line.split(",")[:4]]),) for line in lines]
    points = spark.createDataFrame(rows, ["features"]).cache()
    fits = [KMeans(k=3, maxIter=30, initMode="k-means||", seed=seed).fit(points) for seed in range(runs)]
    sizes = min(fits, key=lambda fit: fit.summary.trainingCost).summary.clusterSizes
    points.unpersist()
    elapsed = time.perf_counter() - started
    assert sum(sizes) == len(lines)
    return elapsed


def bench_batch(args: argparse.Namespace) -> None:
    from oryx_cli.demos.kmeans.data import iris_lines

    lines = iris_lines() * args.copies
    results: dict[str, list[float]] = {"generation": [], "bare MLlib": []}
    with tempfile.TemporaryDirectory(prefix="oryx-bench-") as scratch:
        for round_number in range(args.generations + 1):
            folder = Path(scratch) / f"round-{round_number}"
            timings = {}
            if round_number % 2 == 0:
                timings["generation"] = time_generation(
                    args.brokers, lines, folder, GENERATION_SECONDS_ROUND + round_number
                )
            timings["bare MLlib"] = time_bare_mllib(lines)
            if round_number % 2 == 1:
                timings["generation"] = time_generation(
                    args.brokers, lines, folder, GENERATION_SECONDS_ROUND + round_number
                )
            record_round(results, round_number, timings)
    median = report_medians(f"batch: {len(lines)} demo lines, median of {args.generations} rounds at local[2]", results)
    print(f"  generation / bare MLlib = {median['generation'] / median['bare MLlib']:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--bulk-lines", type=int, default=1000)
    parser.add_argument("--brokers", default="127.0.0.1:9092")
    parser.add_argument("--generations", type=int, default=3)
    parser.add_argument("--copies", type=int, default=1, help="repeat the 150 demo lines this many times")
    parser.add_argument("--skip-serving", action="store_true")
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return 0
    print(f"load average before: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if not args.skip_serving:
        bench_serving(args)
    if not args.skip_batch:
        bench_batch(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
