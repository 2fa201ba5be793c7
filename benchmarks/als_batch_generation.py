"""Wall time of one ALS batch generation on MovieLens against bare Spark MLlib ALS, in the same process and run.

    .venv/bin/python benchmarks/als_batch_generation.py [--rounds 1] [--brokers HOST:PORT] [--features 10] [--tile 1]

The MovieLens ratings (``$ORYX_DATA_DIR/movielens-latest-small``, default ``../shared/data/...``) are put on a
fresh input topic, then, on one SparkSession (local[2], the generation's own settings), each round measures:

* ``generation, refit off``: one whole generation of ``ALSUpdate`` through the Dagster job, as ``oryx batch``
  runs it, with one candidate (fixed hyperparameters): read the window from Kafka and store it, hold out a
  random tenth of each user's lines (test-fraction 0.1), parse the lines once, aggregate them in Spark SQL, index
  the IDs, train ALS, write ``X/`` and ``Y/``, evaluate (NDCG@10, precision@10, AUC and the most-popular
  baseline), publish the MODEL and one UP message per user and item vector;
* ``generation, refit on``: the same with ``oryx.ml.eval.refit`` (the default): the winner is trained again on
  every line, so the generation builds two models;
* ``bare MLlib fit``: Spark MLlib's ALS with the same parameters on (about) the same training ratings, already
  parsed into int IDs in the driver's memory (no Kafka, no parsing, no aggregation, no evaluation, no
  publishing), with both factor matrices materialized. Two per round; the median is used.

Like is compared with like: the headline ratio is the refit-off generation over one bare fit; the refit-on
generation is compared with two bare fits. The ratio is what the whole batch layer costs on top of the model
fits. The per-asset table is each Dagster step's duration from the run's event log. A broker must be running.

``--tile N`` repeats the ratings N times, each copy with its own users (user ID + copy x 1,000,000; the items are
shared), for the same comparison at N times the scale: what part of the cost is fixed and what grows with data.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

from generation_timing import compare_rounds, report

from oryx_assets.apps.als.factors import ALSParams, train_als
from oryx_cli.demos.als.data import movielens_lines, ratings_file

TEST_FRACTION = 0.1


def als_overrides(params: ALSParams, refit: bool) -> list[str]:
    return [
        f"oryx.ml.eval.test-fraction={TEST_FRACTION}",
        "oryx.ml.eval.candidates=1",
        f"oryx.ml.eval.refit={str(refit).lower()}",
        f"oryx.als.iterations={params.iterations}",
        f"oryx.als.hyperparams.features={params.features}",
        f"oryx.als.hyperparams.lambda={params.lambda_}",
        f"oryx.als.hyperparams.alpha={params.alpha}",
    ]


USER_COPY_STRIDE = 1_000_000
"""Above MovieLens' largest user ID, so the users of each copy are new users."""


def tiled(lines: list[str], copies: int) -> list[str]:
    """``lines`` repeated ``copies`` times, copy ``c`` with user IDs shifted by ``c * USER_COPY_STRIDE``."""
    if copies == 1:
        return lines
    out = []
    for copy in range(copies):
        for line in lines:
            user, rest = line.split(",", 1)
            out.append(f"{int(user) + copy * USER_COPY_STRIDE},{rest}")
    return out


def training_ratings(lines: list[str]) -> list[tuple[int, int, float]]:
    """About the ratings the generation trains on: each user's all but a tenth, with MovieLens' int IDs.

    The app draws each user's share by a hash; which lines is irrelevant to a timing baseline, the count is.
    """
    by_user: dict[str, list[list[str]]] = defaultdict(list)
    for line in lines:
        row = line.split(",")
        by_user[row[0]].append(row)
    ratings = []
    for rows in by_user.values():
        kept = rows[: len(rows) - round(TEST_FRACTION * len(rows))]
        ratings += [(int(u), int(i), float(r)) for u, i, r, _ in kept]
    return ratings


def bare_als(ratings: list[tuple[int, int, float]], params: ALSParams, folder: Path) -> None:
    from pyspark.sql import SparkSession

    spark = SparkSession.getActiveSession()
    assert spark is not None, "start_session started it"
    spark.sparkContext.setCheckpointDir(f"file:{folder}/bare-checkpoint")
    frame = spark.createDataFrame(ratings, "user_idx int, item_idx int, rating float")
    model = train_als(spark, frame, params)
    assert model.userFactors.count() and model.itemFactors.count()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--brokers", default="127.0.0.1:9092")
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--tile", type=int, default=1, help="repeat the ratings N times, with new users each time")
    args = parser.parse_args()
    params = ALSParams(features=args.features, lambda_=0.1, alpha=1.0, implicit=True, iterations=10)
    lines = tiled(list(movielens_lines(ratings_file())), args.tile)
    ratings = training_ratings(lines)
    generations, bare = compare_rounds(
        args.brokers,
        lines,
        "oryx_assets.apps.als.ALSUpdate",
        lambda refit: als_overrides(params, refit),
        lambda folder: bare_als(ratings, params, folder),
        args.rounds,
    )
    copies = f" (MovieLens x {args.tile}, new users per copy)" if args.tile > 1 else ""
    shape = f"rank {params.features}, {params.iterations} it."
    title = f"{len(lines)} MovieLens ratings{copies} ({len(ratings)} train), {shape}"
    report(title, generations, bare)
    return 0


if __name__ == "__main__":
    sys.exit(main())
