"""``oryx demo``: feed real data through the running stack and show answers, for the README's first command.

It talks to the stack only the way a user would: HTTP to the serving layer (which writes to the input topic),
``oryx batch`` for a generation, then HTTP queries. Data is read in place from ``../shared/data`` (or
``ORYX_DATA_DIR``), never copied into the project.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from oryx_core.apps.als.movielens import DATA_DIR_ENV, default_movielens_dir
from oryx_core.cli.demo_als import als_demo
from oryx_core.cli.layers import layer_command, layer_env
from oryx_core.cli.stack import http_status, serving_url
from oryx_core.config import ConfigError, OryxConfig, state_dir

CHUNK_LINES = 2000


def movie_titles(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield row["title"]


def post_lines(base_url: str, endpoint: str, lines: list[str]) -> None:
    request = urllib.request.Request(
        base_url + endpoint, data="\n".join(lines).encode(), method="POST", headers={"Content-Type": "text/plain"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        if response.status != 204:
            raise RuntimeError(f"POST {endpoint} answered {response.status}")


def get_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode()


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(1.0)


def run_generation(conf: Path) -> None:
    print("running a batch generation (Dagster assets on Spark) ...", flush=True)
    started = time.monotonic()
    subprocess.run(layer_command("batch", ["--conf", str(conf)]), env=layer_env(), check=True)
    print(f"generation done in {time.monotonic() - started:.1f} s")


def example_demo(config: OryxConfig, conf: Path, data_file: Path) -> None:
    base = serving_url(config)
    titles = list(movie_titles(data_file))
    print(f"sending {len(titles)} movie titles from {data_file} to {base}/add ...", flush=True)
    for start in range(0, len(titles), CHUNK_LINES):
        post_lines(base, "/add", titles[start : start + CHUNK_LINES])
    run_generation(conf)
    wait_for(lambda: http_status(base + "/ready") == 200, 120, "the serving layer to load the model")
    for word in ("Star", "Love", "Matrix"):
        count = get_text(f"{base}/distinct/{urllib.parse.quote(word)}").strip()
        print(f"GET /distinct/{word} -> {count} distinct words co-occur with {word!r} in movie titles")
    before = int(get_text(f"{base}/distinct/Star").strip())
    new_line = "Star Oryx Lambda Architecture"
    post_lines(base, "/add", [new_line])
    print(f"POST /add {new_line!r}; waiting for the speed layer's UP update ...", flush=True)
    wait_for(lambda: int(get_text(f"{base}/distinct/Star").strip()) != before, 120, "a speed-layer update")
    print(f"GET /distinct/Star -> {get_text(f'{base}/distinct/Star').strip()} (was {before})")


def required_file(path: Path, option: str) -> Path:
    if not path.is_file():
        raise ConfigError(
            option,
            f"demo data {path} not found: get MovieLens ml-latest-small from GroupLens "
            "(https://grouplens.org/datasets/movielens/) and set ORYX_DATA_DIR to the folder holding it",
        )
    return path


def is_als(config: OryxConfig) -> bool:
    manager = config.get_optional_string("oryx.serving.model-manager-class") or ""
    return manager.endswith("ALSServingModelManager")


def demo(args: argparse.Namespace) -> int:
    from oryx_core.cli import config_from

    config = config_from(args)
    conf = state_dir() / "stack" / "effective.conf"
    if not conf.is_file():
        raise ConfigError("oryx demo", "the stack is not up: run `oryx up --conf ...` first")
    movielens = default_movielens_dir()
    base = serving_url(config)
    wait_for(lambda: http_status(base + "/ready") in (200, 503), 120, f"the serving layer at {base}")
    if is_als(config):
        ratings = required_file(Path(args.data_file) if args.data_file else movielens / "ratings.csv", "--data-file")
        movies = required_file(movielens / "movies.csv", DATA_DIR_ENV)
        als_demo(base, ratings, movies, lambda: run_generation(conf), wait_for)
    else:
        titles = required_file(Path(args.data_file) if args.data_file else movielens / "movies.csv", "--data-file")
        example_demo(config, conf, titles)
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
        help="override the demo data file (default: MovieLens ratings.csv for ALS, movies.csv for the example)",
    )
    parser.set_defaults(handler=demo)
