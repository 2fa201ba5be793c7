"""Model quality on real data nobody tuned for: each app's default model next to the field's, same split, same budget.

    .venv/bin/python benchmarks/model_quality.py [--only als-explicit,als-implicit,rdf-price,rdf-cut,kmeans-digits]
        [--kafka-port 19122] [--als-split random|user-latest]
        [--set oryx.ml.eval.candidates=4 ...]

"Ours" is what a user gets: one real generation (Kafka input topic, the Dagster job, the app's default
hyperparameter search and refit) whose published model is read back and scored on held-out data by the code
that scores every other method. Each section prints its figures and wall times, then one Markdown table per
section with "oryx / best other" ratios. Data is read in place from ``$ORYX_DATA_DIR`` (default
``../shared/data``). Needs the ``bench`` extra (``pip install -e '.[bench]'``) for the ``implicit`` library.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

from quality_als import SPLIT, SPLITS, explicit_section, implicit_section  # noqa: E402
from quality_forests import forest_section, kmeans_section  # noqa: E402
from quality_support import EXTRA_OVERRIDES, Section, kafka_broker, print_table  # noqa: E402

from oryx_cli.demos.datasets import data_root  # noqa: E402

SECTIONS: dict[str, Callable[[str, Path, Path], Section]] = {
    "als-explicit": lambda brokers, folder, data: explicit_section(
        brokers, folder, data / "movielens-latest-small" / "ratings.csv"
    ),
    "als-implicit": lambda brokers, folder, data: implicit_section(
        brokers, folder, data / "movielens-latest-small" / "ratings.csv"
    ),
    "rdf-price": lambda brokers, folder, data: forest_section(brokers, folder, data, "price"),
    "rdf-cut": lambda brokers, folder, data: forest_section(brokers, folder, data, "cut"),
    "kmeans-digits": kmeans_section,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated of {', '.join(SECTIONS)}")
    parser.add_argument("--kafka-port", type=int, default=int(os.environ.get("ORYX_KAFKA_PORT", "19122")))
    parser.add_argument("--set", action="append", default=[], help="a config override for our generations")
    parser.add_argument("--als-split", choices=SPLITS, default=SPLITS[0], help="how MovieLens ratings are held out")
    args = parser.parse_args()
    SPLIT["name"] = args.als_split
    EXTRA_OVERRIDES.extend(args.set)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown sections {unknown}; choose from {', '.join(SECTIONS)}")
    data = data_root()
    sections = []
    with kafka_broker(args.kafka_port) as brokers, tempfile.TemporaryDirectory(prefix="oryx-quality-") as scratch:
        for name in chosen:
            print(f"{name} ...", flush=True)
            sections.append(SECTIONS[name](brokers, Path(scratch) / name, data))
    print_table(sections)
    return 0


if __name__ == "__main__":
    sys.exit(main())
