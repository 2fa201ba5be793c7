"""Wall time of one ALS batch generation on MovieLens against bare Spark MLlib ALS, in the same process and run.

    .venv/bin/python benchmarks/als_batch_generation.py [--rounds 2] [--brokers HOST:PORT] [--features 10]

The MovieLens ratings (``$ORYX_DATA_DIR/movielens-latest-small``, default ``../shared/data/...``) are put on a
fresh input topic each round, then, on one SparkSession (local[2]):

* ``generation``: one whole generation of ``ALSUpdate`` through the Dagster job, as ``oryx batch`` runs it:
  read the window from Kafka, store it, hold out each user's latest 10% (test-fraction 0.1), parse and
  aggregate the lines in Spark SQL, index the IDs, train ALS, write ``X/`` and ``Y/``, evaluate the mean
  per-user AUC, publish the MODEL and one UP message per user and item vector;
* ``bare ALS``: Spark MLlib's ALS with the same parameters on (about) the same training ratings, already parsed into
  int IDs in the driver's memory (no Kafka, no parsing, no aggregation, no evaluation, no publishing), with
  both factor matrices materialized.

The ratio generation / bare ALS is what the whole batch layer costs on top of the model fit itself. Rounds
alternate which goes first; the median is reported. A broker must be running.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

from dagster import DagsterInstance

from oryx_assets.apps.als.factors import ALSParams, train_als
from oryx_assets.generation import run_generation
from oryx_assets.resources import OryxConfigResource
from oryx_cli.demos.als.data import movielens_lines, ratings_file
from oryx_core.topics.admin import TopicAdmin
from oryx_core.topics.producer import TopicProducer

TEST_FRACTION = 0.1


def oryx_config(brokers: str, topics: tuple[str, str], folder: Path, params: ALSParams) -> OryxConfigResource:
    return OryxConfigResource(
        overrides=[
            f"oryx.id=bench-als-{uuid.uuid4().hex[:8]}",
            f"oryx.input-topic.broker={brokers}",
            f"oryx.input-topic.message.topic={topics[0]}",
            f"oryx.update-topic.broker={brokers}",
            f"oryx.update-topic.message.topic={topics[1]}",
            "oryx.batch.update-class=oryx_assets.apps.als.ALSUpdate",
            f"oryx.batch.storage.data-dir=file:{folder}/data/",
            f"oryx.batch.storage.model-dir=file:{folder}/model/",
            "oryx.batch.streaming.master=local[2]",
            'oryx.batch.streaming.config."spark.sql.shuffle.partitions"=4',
            'oryx.batch.streaming.config."spark.ui.enabled"=false',
            f"oryx.ml.eval.test-fraction={TEST_FRACTION}",
            "oryx.ml.eval.candidates=1",
            f"oryx.als.iterations={params.iterations}",
            f"oryx.als.hyperparams.features={params.features}",
            f"oryx.als.hyperparams.lambda={params.lambda_}",
            f"oryx.als.hyperparams.alpha={params.alpha}",
        ]
    )


def fresh_input(brokers: str, lines: list[str]) -> tuple[str, str]:
    suffix = uuid.uuid4().hex[:10]
    topics = (f"BenchInput-{suffix}", f"BenchUpdate-{suffix}")
    TopicAdmin(brokers).create_oryx_topics(*topics)
    with TopicProducer(brokers, topics[0], linger_ms=50) as producer:
        for line in lines:
            producer.send(None, line)
        producer.flush(120)
    return topics


def training_ratings(lines: list[str]) -> list[tuple[int, int, float]]:
    """About the ratings the generation trains on: each user's all but latest 10%, with MovieLens' int IDs.

    The app rounds each user's share up or down by a hash; rounding to nearest gives the same size to within
    a few hundred ratings, which is all a timing baseline needs.
    """
    by_user: dict[str, list[list[str]]] = defaultdict(list)
    for line in lines:
        row = line.split(",")
        by_user[row[0]].append(row)
    ratings = []
    for rows in by_user.values():
        rows.sort(key=lambda row: int(row[3]))
        kept = rows[: len(rows) - round(TEST_FRACTION * len(rows))]
        ratings += [(int(u), int(i), float(r)) for u, i, r, _ in kept]
    return ratings


def time_generation(oryx: OryxConfigResource, timestamp_ms: int) -> float:
    started = time.perf_counter()
    with DagsterInstance.ephemeral() as instance:
        summary = run_generation(oryx, instance, timestamp_ms)
    elapsed = time.perf_counter() - started
    if not summary.success:
        raise SystemExit("\n".join(summary.lines()))
    return elapsed


def time_bare_als(ratings: list[tuple[int, int, float]], params: ALSParams, folder: Path) -> float:
    from pyspark.sql import SparkSession

    spark = SparkSession.getActiveSession()
    assert spark is not None, "the first generation starts the session"
    spark.sparkContext.setCheckpointDir(f"file:{folder}/bare-checkpoint")
    started = time.perf_counter()
    frame = spark.createDataFrame(ratings, "user_idx int, item_idx int, rating float")
    model = train_als(spark, frame, params)
    users, items = model.userFactors.count(), model.itemFactors.count()
    elapsed = time.perf_counter() - started
    assert users and items
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--brokers", default="127.0.0.1:9092")
    parser.add_argument("--features", type=int, default=10)
    args = parser.parse_args()
    params = ALSParams(features=args.features, lambda_=0.1, alpha=1.0, implicit=True, iterations=10)
    lines = list(movielens_lines(ratings_file()))
    ratings = training_ratings(lines)
    results: dict[str, list[float]] = {"generation": [], "bare ALS": []}
    with tempfile.TemporaryDirectory(prefix="oryx-bench-als-") as scratch:
        for round_number in range(args.rounds):
            folder = Path(scratch) / f"round-{round_number}"
            topics = fresh_input(args.brokers, lines)
            oryx = oryx_config(args.brokers, topics, folder, params)
            timings: dict[str, float] = {}
            # The first round starts the session through the generation; then the order alternates.
            if round_number % 2 == 0:
                timings["generation"] = time_generation(oryx, 1_700_000_000_000 + round_number)
            timings["bare ALS"] = time_bare_als(ratings, params, folder)
            if round_number % 2 == 1:
                timings["generation"] = time_generation(oryx, 1_700_000_000_000 + round_number)
            TopicAdmin(args.brokers).delete_topics(list(topics))
            print(f"round {round_number + 1}: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()), flush=True)
            for name, seconds in timings.items():
                results[name].append(seconds)
    median = {name: statistics.median(values) for name, values in results.items()}
    print(f"\n{len(lines)} MovieLens ratings ({len(ratings)} train), rank {params.features}, ", end="")
    print(f"{params.iterations} iterations, median of {args.rounds} rounds:")
    for name, seconds in median.items():
        print(f"  {name:12s} {seconds:7.1f} s")
    print(f"  generation / bare ALS = {median['generation'] / median['bare ALS']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
