"""Random decision forests and k-means against scikit-learn at the same budget, and where MLlib's defaults lose.

    .venv/bin/python benchmarks/forest_kmeans_quality.py [--only diamonds-price,diamonds-cut,skewed,kmeans]
        [--trees 20] [--depth 8] [--candidates 100]

Forests: a seeded random 10 % of the rows is held out; every forest has ``--trees`` trees of depth ``--depth``.
Ours are trained by ``RDFUpdate.build_model`` and scored by ``RDFUpdate.evaluate`` (the serving layer's compiled
forest on the PMML), which also gives the majority or mean baseline. Rows:

* ``scikit-learn``: ``RandomForestRegressor`` / ``RandomForestClassifier`` (exact splits; ``max_features`` 1.0 for
  regression, ``sqrt`` for classification, its defaults; categories as their sorted codes), scored on the same
  held-out rows: the reference;
* ``oryx``: our defaults (``split-candidates = "quantile-and-target"``, ``feature-subset-strategy = "auto"``);
* ``oryx, MLlib's candidates``: our feature subset with MLlib's own sampled quantiles (``"quantile"``);
* ``MLlib defaults (Oryx 2)``: MLlib's quantiles and MLlib's ``auto`` subset (a third of the features for
  regression, ``sqrt`` for classification);
* the baseline.

Classification uses gini in every forest (scikit-learn's default). Data: ``diamonds`` (regression on ``price``,
classification of ``cut``; from ``$ORYX_DATA_DIR``, default ``../shared/data``) and ``skewed``, 330,000 synthetic
rows whose target is driven by a lognormal feature (a tail a few rows long carries much of the squared error).

k-means: on the numeric diamonds columns standardised (k = 10), scikit-learn's digits (k = 10) and Iris (k = 3),
all points: scikit-learn's ``KMeans`` (k-means++, ``n_init=10``) against ``KMeansUpdate.build_model`` with
``oryx.kmeans.runs`` 5 (the default) and 1 (Oryx 2), each inertia over every point (``evaluate`` with SSE).

Each row prints its figure, its ratio to scikit-learn's, and its wall time. On a small shared machine compare
the quality figures, not the times.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

HELD_OUT = 0.1
DIAMONDS_CATEGORICAL = ["cut", "color", "clarity"]
DIAMONDS_NUMERIC = ["carat", "depth", "table", "price", "x", "y", "z"]


def data_root() -> Path:
    configured = os.environ.get("ORYX_DATA_DIR")
    return Path(configured) if configured else REPO.parent / "shared" / "data"


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def row(name: str, value: float, reference: float | None, seconds: float | None, metric: str) -> None:
    ratio = f"{value / reference:6.3f}" if reference else "      "
    took = f"{seconds:7.1f} s" if seconds is not None else ""
    print(f"  {name:34s} {metric} {value:12.4f}  x sklearn {ratio}  {took}", flush=True)


# ---- forests ---------------------------------------------------------------------------------------------------


def diamonds_frame() -> pd.DataFrame:
    return pd.read_csv(data_root() / "diamonds" / "diamonds.csv")


def skewed_frame(rows: int = 330_000) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    lognormal, normal = rng.lognormal(0, 1.5, rows), rng.normal(size=rows)
    whole, uniform = rng.integers(0, 300, rows).astype(float), rng.uniform(size=rows)
    target = 3 * lognormal + 5 * np.sin(normal) + (whole % 7) + rng.normal(0, 5, rows)
    return pd.DataFrame({"lognormal": lognormal, "normal": normal, "whole": whole, "uniform": uniform, "y": target})


def as_lines(frame: pd.DataFrame) -> list[str]:
    columns = [frame[c].map(repr) if frame[c].dtype.kind == "f" else frame[c].astype(str) for c in frame.columns]
    return [",".join(values) for values in zip(*columns, strict=True)]


def sklearn_forest(frame: pd.DataFrame, categorical: list[str], target: str, held: np.ndarray, args: Any) -> float:
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    features = frame.drop(columns=[target]).copy()
    for column in categorical:
        if column in features:
            features[column] = features[column].astype("category").cat.codes
    x, y = features.to_numpy(float), frame[target].to_numpy()
    shape = {"n_estimators": args.trees, "max_depth": args.depth, "random_state": 0, "n_jobs": 2}
    if target in categorical:
        model = RandomForestClassifier(max_features="sqrt", **shape).fit(x[~held], y[~held])
        return float(np.mean(model.predict(x[held]) == y[held]))
    regressor = RandomForestRegressor(max_features=1.0, **shape).fit(x[~held], y[~held])
    return float(np.sqrt(np.mean((regressor.predict(x[held]) - y[held]) ** 2)))


def oryx_forest(
    spark: Any, frame: pd.DataFrame, categorical: list[str], target: str, held: np.ndarray, args: Any, **rdf: str
) -> Any:
    """``RDFUpdate.build_model`` then ``evaluate``: the call sequence of a generation's candidate."""
    from oryx_assets.apps.rdf import RDFUpdate
    from oryx_core.config import load_config

    schema = {"feature-names": list(frame.columns), "categorical-features": categorical, "target-feature": target}
    overrides = {"oryx.input-schema": schema, "oryx.rdf.num-trees": args.trees}
    if "split_candidates" in rdf:
        overrides["oryx.rdf.split-candidates"] = rdf["split_candidates"]
    update = RDFUpdate(load_config(overrides=overrides))
    lines = as_lines(frame)
    train = spark.createDataFrame(
        [(None, line) for line, h in zip(lines, held, strict=True) if not h], "key string, value string"
    )
    test = spark.createDataFrame(
        [(None, line) for line, h in zip(lines, held, strict=True) if h], "key string, value string"
    )
    hyperparams = {
        "max-split-candidates": args.candidates,
        "max-depth": args.depth,
        "impurity": "gini" if target in categorical else "variance",
        "min-node-size": 1,
        "min-info-gain-nats": 0.0,
        "feature-subset-strategy": rdf.get("subset", "auto"),
    }
    with tempfile.TemporaryDirectory(prefix="oryx-forest-") as folder:
        pmml = update.build_model(spark, train, hyperparams, f"file:{folder}/candidate")
        assert pmml is not None
        return update.evaluate(spark, pmml, f"file:{folder}/candidate", test, train)


def forest_section(spark: Any, name: str, frame: pd.DataFrame, categorical: list[str], target: str, args: Any) -> None:
    held = np.random.default_rng(0).random(len(frame)) < HELD_OUT
    classification = target in categorical
    metric = "accuracy" if classification else "rmse    "
    mllib_auto = "sqrt" if classification else "onethird"
    print(f"\n{name}: {len(frame)} rows, {int(held.sum())} held out, {args.trees} trees, depth {args.depth}")
    reference, seconds = timed(lambda: sklearn_forest(frame, categorical, target, held, args))
    row("scikit-learn", reference, reference, seconds, metric)
    variants = [
        ("oryx", {}),
        ("oryx, MLlib's candidates", {"split_candidates": "quantile"}),
        ("MLlib defaults (Oryx 2)", {"split_candidates": "quantile", "subset": mllib_auto}),
    ]
    baseline = None
    for label, rdf in variants:
        evaluation, seconds = timed(lambda rdf=rdf: oryx_forest(spark, frame, categorical, target, held, args, **rdf))
        row(label, evaluation.metrics["accuracy" if classification else "rmse"], reference, seconds, metric)
        baseline = evaluation
    assert baseline is not None
    name_of, figures = next(iter(baseline.baselines.items()))
    row(f"baseline ({name_of})", figures["accuracy" if classification else "rmse"], reference, None, metric)


# ---- k-means ---------------------------------------------------------------------------------------------------


def kmeans_sets() -> dict[str, tuple[np.ndarray, int]]:
    from sklearn.datasets import load_digits, load_iris

    diamonds = diamonds_frame()[DIAMONDS_NUMERIC].to_numpy(float)
    standardised = (diamonds - diamonds.mean(axis=0)) / diamonds.std(axis=0)
    return {
        "diamonds (numeric, standardised)": (standardised, 10),
        "digits": (load_digits().data, 10),
        "iris": (load_iris().data, 3),
    }


def oryx_inertia(spark: Any, points: np.ndarray, k: int, runs: int) -> float:
    from oryx_assets.apps.kmeans import KMeansUpdate
    from oryx_core.config import load_config

    columns = [f"f{i}" for i in range(points.shape[1])]
    schema = {"feature-names": columns, "categorical-features": []}
    update = KMeansUpdate(
        load_config(
            overrides={"oryx.input-schema": schema, "oryx.kmeans.runs": runs, "oryx.kmeans.evaluation-strategy": "SSE"}
        )
    )
    lines = spark.createDataFrame([(None, ",".join(map(repr, p))) for p in points.tolist()], "key string, value string")
    pmml = update.build_model(spark, lines, {"k": k}, "file:/unused")
    assert pmml is not None
    empty = spark.createDataFrame([], "key string, value string")
    return float(update.evaluate(spark, pmml, "file:/unused", empty, lines).metrics["inertia"])


def kmeans_section(spark: Any) -> None:
    from sklearn.cluster import KMeans

    for name, (points, k) in kmeans_sets().items():
        print(f"\nk-means, {name}: {len(points)} points, {points.shape[1]} dimensions, k = {k}")
        fitted, seconds = timed(
            lambda points=points, k=k: KMeans(k, init="k-means++", n_init=10, random_state=0).fit(points)
        )
        reference = float(fitted.inertia_)
        row("scikit-learn (n_init=10)", reference, reference, seconds, "inertia ")
        for label, runs in (("oryx (runs = 5)", 5), ("oryx, one run (Oryx 2)", 1)):
            inertia, seconds = timed(lambda points=points, k=k, runs=runs: oryx_inertia(spark, points, k, runs))
            row(label, inertia, reference, seconds, "inertia ")


def main() -> int:
    sections = ["diamonds-price", "diamonds-cut", "skewed", "kmeans"]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(sections), help=f"comma-separated of {', '.join(sections)}")
    parser.add_argument("--trees", type=int, default=20)
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--candidates", type=int, default=100)
    args = parser.parse_args()
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    if unknown := [s for s in chosen if s not in sections]:
        parser.error(f"unknown sections {unknown}; choose from {', '.join(sections)}")

    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.driver.memory", "4g")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    if "diamonds-price" in chosen:
        forest_section(spark, "diamonds, regression on price", diamonds_frame(), DIAMONDS_CATEGORICAL, "price", args)
    if "diamonds-cut" in chosen:
        forest_section(spark, "diamonds, classification of cut", diamonds_frame(), DIAMONDS_CATEGORICAL, "cut", args)
    if "skewed" in chosen:
        forest_section(spark, "skewed synthetic regression", skewed_frame(), [], "y", args)
    if "kmeans" in chosen:
        kmeans_section(spark)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
