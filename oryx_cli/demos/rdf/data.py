"""The RDF demo data sets as input lines, read by path from the installed scikit-learn (never copied here).

* Iris (classification, as Oryx 2's example): ``sepal_length,sepal_width,petal_length,petal_width,species``,
  150 lines, species ``setosa``/``versicolor``/``virginica`` (``sklearn/datasets/data/iris.csv``).
* Diabetes (regression): ``age,sex,bmi,bp,s1,s2,s3,s4,s5,s6,progression``, 442 lines of the original,
  unscaled data (``diabetes_data_raw.csv.gz`` and ``diabetes_target.csv.gz``); ``sex`` is categorical (1 or 2)
  and ``progression`` is the disease progression one year later.

``python -m oryx_cli.demos.rdf.data iris|diabetes --conf conf/rdf-....conf`` writes the lines to the
configured input topic; without ``--conf`` it prints them (for ``oryx kafka-input --input-file`` or
``POST /train``). ``--seed N`` shuffles them first.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import random
import sys

from oryx_cli.demos.datasets import sklearn_data_dir
from oryx_core.config import load_config, topic_settings
from oryx_core.topics.producer import TopicProducer

__all__ = ["DIABETES_COLUMNS", "IRIS_COLUMNS", "diabetes_lines", "iris_lines", "main"]

IRIS_COLUMNS = ("sepal_length", "sepal_width", "petal_length", "petal_width", "species")
DIABETES_COLUMNS = ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6", "progression")


def _shuffled(lines: list[str], seed: int | None) -> list[str]:
    if seed is not None:
        random.Random(seed).shuffle(lines)
    return lines


def iris_lines(seed: int | None = None) -> list[str]:
    with (sklearn_data_dir() / "iris.csv").open(newline="") as f:
        rows = list(csv.reader(f))
    names = rows[0][2:]  # header: n_samples, n_features, then the class names in label order
    lines = [",".join([*row[:4], names[int(row[4])]]) for row in rows[1:] if row]
    return _shuffled(lines, seed)


def _float_text(text: str) -> str:
    value = float(text)
    return str(int(value)) if value == int(value) else repr(value)


def diabetes_lines(seed: int | None = None) -> list[str]:
    data_dir = sklearn_data_dir()
    with gzip.open(data_dir / "diabetes_data_raw.csv.gz", "rt") as f:
        features = [line.split() for line in f if line.strip()]
    with gzip.open(data_dir / "diabetes_target.csv.gz", "rt") as f:
        targets = [_float_text(line) for line in f if line.strip()]
    if len(features) != len(targets):
        raise ValueError(f"diabetes data has {len(features)} rows but {len(targets)} targets")
    lines = [",".join([*row, target]) for row, target in zip(features, targets, strict=True)]
    return _shuffled(lines, seed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write an RDF demo data set to the input topic (or print it)")
    parser.add_argument("dataset", choices=["iris", "diabetes"])
    parser.add_argument("--seed", type=int, default=None, help="shuffle with this seed")
    parser.add_argument("--conf", help="HOCON config file naming the input topic; without it, print the lines")
    parser.add_argument("-D", dest="overrides", action="append", default=[], help="key=value override")
    args = parser.parse_args(argv)
    lines = iris_lines(args.seed) if args.dataset == "iris" else diabetes_lines(args.seed)
    if args.conf is None and not args.overrides:
        sys.stdout.write("".join(f"{line}\n" for line in lines))
        return 0
    topics = topic_settings(load_config(args.conf, args.overrides))
    with TopicProducer(topics.input_broker, topics.input_topic) as producer:
        for line in lines:
            producer.send(None, line)
        producer.flush()
    print(f"sent {len(lines)} {args.dataset} lines to {topics.input_topic} at {topics.input_broker}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
