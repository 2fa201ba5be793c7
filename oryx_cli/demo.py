"""``oryx demo``: feed real data through the running stack and show answers, for the README's first command.

It talks to the stack only the way a user would: HTTP to the serving layer (which writes to the input topic),
``oryx batch`` for a generation, then HTTP queries. The serving layer's model manager picks the demo: ALS
(``demos/als``, MovieLens from ``../shared/data`` or ``ORYX_DATA_DIR``), k-means (``demos/kmeans``, Iris) and random
decision forests (``demos/rdf``, Iris or diabetes, both read from the installed scikit-learn), or the word-count
example (``demos/example.py``, MovieLens titles). Data is read in place, never copied into the project.
"""

from __future__ import annotations

import argparse
import functools
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from oryx_cli.demos.als.demo import als_demo
from oryx_cli.demos.datasets import DATA_DIR_ENV, default_movielens_dir
from oryx_cli.demos.example import example_demo
from oryx_cli.demos.http import wait_for
from oryx_cli.demos.kmeans.demo import kmeans_demo
from oryx_cli.demos.rdf.demo import rdf_demo
from oryx_cli.layers import layer_command, layer_env
from oryx_cli.options import config_from
from oryx_cli.stack import http_status, serving_url
from oryx_core.config import ConfigError, OryxConfig, state_dir

GENERATION_LOG_TAIL = 40
MODEL_MANAGER_KEY = "oryx.serving.model-manager-class"
DEMO_APPS = {
    "ALSServingModelManager": "als",
    "KMeansServingModelManager": "kmeans",
    "RDFServingModelManager": "rdf",
    "ExampleServingModelManager": "example",
}
"""Serving model-manager class name (Oryx 2's Java name or our Python path ends with it) -> the demo to run."""


def run_generation(conf: Path) -> None:
    """``oryx batch`` as a user runs it: its summary is shown, Dagster's and Spark's own log (stderr, thousands of
    lines) goes to ``<state>/logs/demo-generation.log`` and is only shown, its end, when the generation fails."""
    log_file = state_dir() / "logs" / "demo-generation.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    print(f"running a batch generation (Dagster assets on Spark; log: {log_file}) ...", flush=True)
    started = time.monotonic()
    with log_file.open("w", encoding="utf-8") as log:
        command = layer_command("batch", ["--conf", str(conf)])
        finished = subprocess.run(command, env=layer_env(), stderr=log, check=False)
    if finished.returncode != 0:
        tail = log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-GENERATION_LOG_TAIL:]
        print("\n".join(tail), flush=True)
        raise subprocess.CalledProcessError(finished.returncode, finished.args)
    print(f"generation done in {time.monotonic() - started:.1f} s")


def required_file(path: Path, option: str) -> Path:
    if not path.is_file():
        raise ConfigError(
            option,
            f"demo data {path} not found: get MovieLens ml-latest-small from GroupLens "
            "(https://grouplens.org/datasets/movielens/) and set ORYX_DATA_DIR to the folder holding it",
        )
    return path


def demo_app(config: OryxConfig) -> str:
    """Which demo fits the running app, from the serving layer's model manager; ConfigError for any other app."""
    manager = config.get_optional_string(MODEL_MANAGER_KEY) or ""
    for suffix, app in DEMO_APPS.items():
        if manager.rpartition(".")[2] == suffix:
            return app
    raise ConfigError(
        MODEL_MANAGER_KEY,
        f"oryx demo knows the ALS, k-means, RDF and word-count example apps ({', '.join(DEMO_APPS)}), "
        f"not {manager or 'an empty value'!r}",
    )


def demo_runner(app: str, args: argparse.Namespace, config: OryxConfig, conf: Path) -> Callable[[str], None]:
    """The chosen demo, given the serving URL; its data files are checked first, so a missing one fails fast."""
    generation = functools.partial(run_generation, conf)
    if app in ("kmeans", "rdf"):
        if args.data_file:
            raise ConfigError("--data-file", f"the {app} demo reads its data set from the installed scikit-learn")
        app_demo = kmeans_demo if app == "kmeans" else rdf_demo
        return lambda base: app_demo(config, base, generation)
    movielens = default_movielens_dir()
    if app == "als":
        ratings = required_file(Path(args.data_file) if args.data_file else movielens / "ratings.csv", "--data-file")
        movies = required_file(movielens / "movies.csv", DATA_DIR_ENV)
        return lambda base: als_demo(base, ratings, movies, generation, wait_for)
    titles = required_file(Path(args.data_file) if args.data_file else movielens / "movies.csv", "--data-file")
    return lambda base: example_demo(base, titles, generation)


def demo(args: argparse.Namespace) -> int:
    config = config_from(args)
    conf = state_dir() / "stack" / "effective.conf"
    if not conf.is_file():
        raise ConfigError("oryx demo", "the stack is not up: run `oryx up --conf ...` first")
    run = demo_runner(demo_app(config), args, config, conf)
    base = serving_url(config)
    wait_for(lambda: http_status(base + "/ready") in (200, 503), 120, f"the serving layer at {base}")
    run(base)
    return 0


def register(sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser(
        "demo",
        help="feed the demo data set through the running stack and print real query results",
        description="Requires `oryx up`. Sends real data through the serving layer, runs a generation and queries.",
    )
    common(parser)
    parser.add_argument(
        "--data-file",
        help="override the demo data file of the ALS and word-count demos (default: MovieLens ratings.csv for ALS, "
        "movies.csv for the example); k-means and RDF read theirs from the installed scikit-learn",
    )
    parser.set_defaults(handler=demo)
