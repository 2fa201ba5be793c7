"""The k-means demo's data: Fisher's Iris measurements, read in place from the installed scikit-learn package.

scikit-learn (already a dependency, for the scikit-learn ML route) ships ``sklearn/datasets/data/iris.csv``:
a header line ``150,4,setosa,versicolor,virginica``, then 150 lines of four measurements in centimetres and the
species as 0, 1 or 2. The demo config (``conf/kmeans-example.conf``) names the five columns and ignores the
species, so k-means sees only the measurements and a user can compare its clusters with the species. The file
is located without importing scikit-learn and never copied into the repository.

``python -m oryx_cli.demos.kmeans.data --conf conf/kmeans-example.conf`` writes the lines to the input
topic (``oryx.input-topic.*``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from oryx_cli.demos.datasets import iris_csv_path
from oryx_core.config import load_config, topic_settings
from oryx_core.topics.producer import TopicProducer

__all__ = ["IRIS_COLUMNS", "iris_lines", "main", "send_lines"]

IRIS_COLUMNS = ("sepal_length", "sepal_width", "petal_length", "petal_width", "species")
"""The columns of each line, as ``oryx.input-schema.feature-names`` lists them."""


def iris_lines(path: Path | None = None) -> list[str]:
    """The 150 data lines (CSV, five fields each), without the header line."""
    text = (path or iris_csv_path()).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines()[1:] if line.strip()]


def send_lines(brokers: str, topic: str, lines: list[str]) -> int:
    """Writes the lines to the input topic with no key, as ``oryx kafka-input`` does; returns how many."""
    with TopicProducer(brokers, topic) as producer:
        for line in lines:
            producer.send(None, line)
        producer.flush()
        return producer.sent_count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the Iris demo lines to the k-means input topic.")
    parser.add_argument("--conf", help="HOCON config file (default: reference config)")
    parser.add_argument("-D", dest="overrides", action="append", default=[], help="key=value override")
    args = parser.parse_args(argv)
    topics = topic_settings(load_config(args.conf, args.overrides))
    sent = send_lines(topics.input_broker, topics.input_topic, iris_lines())
    print(f"sent {sent} Iris lines to {topics.input_topic} at {topics.input_broker}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
