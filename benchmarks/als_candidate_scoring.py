"""Scoring several ALS candidates of one generation, with the most-popular baseline computed once (one app, its
``BaselineMemo``) against once per candidate (a fresh app each), in the same run, on MovieLens.

    .venv/bin/python benchmarks/als_candidate_scoring.py [--candidates 4] [--rounds 2]

The candidates differ by lambda and are built once; each round scores all of them both ways and checks that
every figure (metrics and baselines) is the same. No broker is needed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

from pyspark.sql import SparkSession

from oryx_assets.apps.als.update import ALSUpdate
from oryx_cli.demos.als.data import movielens_lines, ratings_file


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    rows = [(None, line) for line in movielens_lines(ratings_file())]
    lines = spark.createDataFrame(rows, "key string, value string")
    folder = tempfile.mkdtemp(prefix="oryx-bench-")
    spark.sparkContext.setCheckpointDir(f"file:{folder}/checkpoint")
    app = ALSUpdate()
    parsed = app.parse_input(spark, lines).persist()
    train, test = (frame.cache() for frame in app.split_new_data(parsed, 0.1, 1))
    print(f"{parsed.count()} ratings, {train.count()} train, {test.count()} test")
    candidates = []
    for n in range(args.candidates):
        path = f"file:{folder}/candidate-{n}"
        pmml = app.build_model(spark, train, {"features": 10, "lambda": 0.01 * 3**n, "alpha": 1.0}, path)
        assert pmml is not None
        candidates.append((pmml, path))
    for round_number in range(args.rounds):
        started = time.perf_counter()
        each = [ALSUpdate().evaluate(spark, pmml, path, test, train) for pmml, path in candidates]
        per_candidate = time.perf_counter() - started
        shared = ALSUpdate()
        started = time.perf_counter()
        once = [shared.evaluate(spark, pmml, path, test, train) for pmml, path in candidates]
        memo = time.perf_counter() - started
        same = all(a.metrics == b.metrics and a.baselines == b.baselines for a, b in zip(each, once, strict=True))
        print(
            f"round {round_number + 1}: {len(candidates)} candidates scored, baseline per candidate "
            f"{per_candidate:.1f} s, baseline once {memo:.1f} s = {memo / per_candidate:.2f}x "
            f"(computed {shared.baselines.computed}x); identical figures: {same}"
        )
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
