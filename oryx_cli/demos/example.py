"""The word-count example's part of ``oryx demo``: MovieLens movie titles in through ``/add``, a generation, then
``/distinct`` counts, and one new title that only the speed layer's ``UP`` brings to the serving layer."""

from __future__ import annotations

import csv
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

from oryx_cli.demos.datasets import default_movielens_dir, given_or_default
from oryx_cli.demos.http import get_status, get_text, post_lines, wait_for
from oryx_core.config import OryxConfig

CHUNK_LINES = 2000


def movie_titles(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield row["title"]


def example_demo(base: str, movies_csv: Path, run_generation: Callable[[], None]) -> None:
    titles = list(movie_titles(movies_csv))
    print(f"sending {len(titles)} movie titles from {movies_csv} to {base}/add ...", flush=True)
    for start in range(0, len(titles), CHUNK_LINES):
        post_lines(base, "/add", titles[start : start + CHUNK_LINES])
    run_generation()
    wait_for(lambda: get_status(base + "/ready") == 200, 120, "the serving layer to load the model")
    for word in ("Star", "Love", "Matrix"):
        count = get_text(f"{base}/distinct/{urllib.parse.quote(word)}").strip()
        print(f"GET /distinct/{word} -> {count} distinct words co-occur with {word!r} in movie titles")
    before = int(get_text(f"{base}/distinct/Star").strip())
    new_line = "Star Oryx Lambda Architecture"
    post_lines(base, "/add", [new_line])
    print(f"POST /add {new_line!r}; waiting for the speed layer's UP update ...", flush=True)
    wait_for(lambda: int(get_text(f"{base}/distinct/Star").strip()) != before, 120, "a speed-layer update")
    print(f"GET /distinct/Star -> {get_text(f'{base}/distinct/Star').strip()} (was {before})")


def prepare_demo(
    config: OryxConfig, data_file: str | None, run_generation: Callable[[], None]
) -> Callable[[str], None]:
    """The registered demo entry (``oryx demo``): finds the titles first (``--data-file`` overrides them),
    returns the run for a serving URL."""
    titles = given_or_default(data_file, default_movielens_dir() / "movies.csv", "--data-file")
    return lambda base: example_demo(base, titles, run_generation)
