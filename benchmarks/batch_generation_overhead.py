"""Wall time of one batch generation against the same Spark work done bare, in the same process and run.

    .venv/bin/python benchmarks/batch_generation_overhead.py [--lines 100000] [--rounds 3] [--brokers HOST:PORT]

Each round puts ``--lines`` lines of random words on a fresh input topic, then measures, on one SparkSession:

* ``generation``: one whole generation of the word-count example through the Dagster job, exactly as
  ``oryx batch`` runs it (``run_generation``): read the window from Kafka by offset range, check every line's
  format, write it as Parquet, commit offsets, read the history, pass through the ML assets and their checks,
  run the app's Spark SQL, publish the MODEL, apply retention, record everything in a Dagster instance;
* ``bare spark``: the same Spark work with nothing around it: the same lines (already in memory) written as
  Parquet, read back, and counted with the same Spark SQL;
* ``bare kafka read``: reading the same offset range from Kafka into memory, with no Spark and no Dagster.

The ratio generation / bare spark is the overhead the batch layer adds to the app's Spark work; the ratio over
bare spark + bare kafka read leaves out the input read, which any batch layer must do. The median of the
rounds is reported, after one warm-up round; rounds alternate which of generation and bare spark goes first.
A broker must be running (``infra/kafka/broker.sh start``; the Spark connector jars are expected under
``$ORYX_STATE_DIR/spark/jars``, as for ``oryx batch``). On a small shared machine the absolute figures move
with the neighbours' load; the ratios, taken from the same rounds, move much less.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

from generation_timing import fresh_input, generation_config, timed_generation
from rounds import record_round, report_medians

from oryx_assets.apps.example import distinct_other_word_counts
from oryx_assets.lambda_.windows import LINES_SCHEMA
from oryx_assets.resources import OryxConfigResource
from oryx_core.topics.admin import TopicAdmin
from oryx_core.topics.consumer import InputTopicReader

EXAMPLE = "com.cloudera.oryx.example.batch.ExampleBatchLayerUpdate"


def make_lines(count: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(5000)]
    return [" ".join(rng.choices(vocabulary, k=8)) for _ in range(count)]


def oryx_config(brokers: str, input_topic: str, update_topic: str, folder: Path) -> OryxConfigResource:
    return generation_config(brokers, (input_topic, update_topic), folder, EXAMPLE)


def time_generation(oryx: OryxConfigResource, timestamp_ms: int) -> float:
    return timed_generation(oryx, timestamp_ms)[0]


def time_bare_spark(lines: list[str], folder: Path) -> float:
    from pyspark.sql import SparkSession

    spark = SparkSession.getActiveSession()
    assert spark is not None, "the generation starts the session first"
    path = f"file:{folder}/bare-{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    spark.createDataFrame([(None, line) for line in lines], LINES_SCHEMA).write.parquet(path)
    counts = distinct_other_word_counts(spark, spark.read.parquet(path))
    elapsed = time.perf_counter() - started
    assert counts
    return elapsed


def time_kafka_read(brokers: str, topic: str, expected: int) -> float:
    started = time.perf_counter()
    with InputTopicReader(brokers, topic, f"bench-{uuid.uuid4().hex[:8]}") as reader:
        end = reader.end_offsets()
        read = sum(1 for _ in reader.read_range({p: 0 for p in end}, end))
    elapsed = time.perf_counter() - started
    assert read == expected, (read, expected)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--brokers", default="127.0.0.1:9092")
    args = parser.parse_args()
    lines = make_lines(args.lines)
    results: dict[str, list[float]] = {"generation": [], "bare spark": [], "bare kafka read": []}
    with tempfile.TemporaryDirectory(prefix="oryx-bench-") as scratch:
        for round_number in range(args.rounds + 1):
            folder = Path(scratch) / f"round-{round_number}"
            input_topic, update_topic = fresh_input(args.brokers, lines)
            oryx = oryx_config(args.brokers, input_topic, update_topic, folder)
            timings: dict[str, float] = {}
            # The warm-up starts the session through the generation; later rounds alternate which goes first,
            # so JVM warm-up and a noisy neighbour weigh on both sides alike.
            if round_number % 2 == 0:
                timings["generation"] = time_generation(oryx, 1_700_000_000_000 + round_number)
            timings["bare spark"] = time_bare_spark(lines, folder)
            if round_number % 2 == 1:
                timings["generation"] = time_generation(oryx, 1_700_000_000_000 + round_number)
            timings["bare kafka read"] = time_kafka_read(args.brokers, input_topic, len(lines))
            TopicAdmin(args.brokers).delete_topics([input_topic, update_topic])
            record_round(results, round_number, timings)
    median = report_medians(f"{args.lines} lines, median of {args.rounds} rounds", results, width=16)
    print(f"  generation / bare spark               = {median['generation'] / median['bare spark']:.2f}")
    bare_total = median["bare spark"] + median["bare kafka read"]
    print(f"  generation / (bare spark + kafka read) = {median['generation'] / bare_total:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
