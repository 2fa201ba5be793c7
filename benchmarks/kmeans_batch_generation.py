"""Wall time of one k-means batch generation on the diamonds data against bare Spark MLlib KMeans, same run.

    .venv/bin/python benchmarks/kmeans_batch_generation.py [--rounds 1] [--brokers HOST:PORT] [--k 10]

The 53,940 diamonds (``$ORYX_DATA_DIR/diamonds``, default ``../shared/data/diamonds``) go, as CSV lines, on a
fresh input topic; the seven numeric columns are the features (cut, color and clarity are ignored). On one
SparkSession (local[2], the generation's own settings) each round measures:

* ``generation, refit off``: one whole generation of ``KMeansUpdate`` through the Dagster job, as ``oryx batch``
  runs it, with one candidate (k fixed) and one MLlib run (``oryx.kmeans.runs = 1``): read the window from
  Kafka and store it, hold out a random tenth (test-fraction 0.1), parse the lines once, train KMeans,
  evaluate (``--evaluation``, default Oryx 2's SILHOUETTE: exact, over up to 100,000 points, so quadratic in
  them and on this data the largest cost of all; SSE is linear), publish the MODEL;
* ``generation, refit on``: the same with ``oryx.ml.eval.refit`` (the default), which trains the winner again
  on every line: two model builds;
* ``bare MLlib fit``: Spark MLlib's KMeans with the same k, iterations, initialisation and seed on (about) the
  same training points, already parsed into vectors in the driver's memory. Two per round; the median is used.

The headline ratio is the refit-off generation over one bare fit; the refit-on generation is compared with two
bare fits. The per-asset table is each Dagster step's duration from the run's event log. A broker must run.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from generation_timing import compare_rounds, report

COLUMNS = ["carat", "cut", "color", "clarity", "depth", "table", "price", "x", "y", "z"]
IGNORED = ["cut", "color", "clarity"]
ITERATIONS = 30
TEST_FRACTION = 0.1


def diamonds_file() -> Path:
    default = Path(__file__).resolve().parents[2] / "shared" / "data"
    return Path(os.environ.get("ORYX_DATA_DIR", default)) / "diamonds" / "diamonds.csv"


def kmeans_overrides(k: int, evaluation: str, refit: bool) -> list[str]:
    names = ", ".join(f'"{name}"' for name in COLUMNS)
    ignored = ", ".join(f'"{name}"' for name in IGNORED)
    return [
        f"oryx.input-schema.feature-names=[{names}]",
        f"oryx.input-schema.ignored-features=[{ignored}]",
        "oryx.input-schema.categorical-features=[]",
        f"oryx.ml.eval.test-fraction={TEST_FRACTION}",
        "oryx.ml.eval.candidates=1",
        f"oryx.ml.eval.refit={str(refit).lower()}",
        "oryx.kmeans.runs=1",
        f"oryx.kmeans.iterations={ITERATIONS}",
        f"oryx.kmeans.hyperparams.k={k}",
        f"oryx.kmeans.evaluation-strategy={evaluation}",
    ]


def training_points(lines: list[str]) -> list[list[float]]:
    """About the points the generation trains on (all but a tenth), as the numeric columns."""
    active = [i for i, name in enumerate(COLUMNS) if name not in IGNORED]
    kept = lines[: len(lines) - round(TEST_FRACTION * len(lines))]
    return [[float(fields[i]) for i in active] for fields in (line.split(",") for line in kept)]


def bare_kmeans(points: list[list[float]], k: int) -> None:
    from pyspark.ml.clustering import KMeans
    from pyspark.ml.functions import array_to_vector
    from pyspark.sql import SparkSession

    spark = SparkSession.getActiveSession()
    assert spark is not None, "start_session started it"
    frame = spark.createDataFrame([(p,) for p in points], "features array<double>")
    vectors = frame.select(array_to_vector("features").alias("features")).cache()
    try:
        model = KMeans(k=k, maxIter=ITERATIONS, initMode="k-means||", seed=0).fit(vectors)
        assert len(model.clusterCenters()) == k
    finally:
        vectors.unpersist()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--brokers", default="127.0.0.1:9092")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--evaluation", default="SILHOUETTE", help="oryx.kmeans.evaluation-strategy")
    args = parser.parse_args()
    lines = diamonds_file().read_text().splitlines()[1:]
    points = training_points(lines)
    generations, bare = compare_rounds(
        args.brokers,
        lines,
        "oryx_assets.apps.kmeans.KMeansUpdate",
        lambda refit: kmeans_overrides(args.k, args.evaluation, refit),
        lambda _: bare_kmeans(points, args.k),
        args.rounds,
    )
    title = f"{len(lines)} diamonds ({len(points)} train), k {args.k}, {ITERATIONS} it., 1 run, {args.evaluation}"
    report(title, generations, bare)
    return 0


if __name__ == "__main__":
    sys.exit(main())
