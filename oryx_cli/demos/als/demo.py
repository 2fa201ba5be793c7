"""The ALS part of ``oryx demo``: MovieLens ratings in through ``/ingest``, a generation, real recommendations.

Everything goes through the running stack as a user's client would: ``POST /ingest`` (the serving layer
writes the lines to the input topic), ``oryx batch`` (one Dagster generation), ``GET /recommend`` and
``/similarity``, then ``POST /pref`` for a brand-new user whom only the speed layer knows about.
"""

from __future__ import annotations

import csv
import gzip
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from oryx_cli.demos.als.data import movielens_lines
from oryx_cli.demos.datasets import DATA_DIR_ENV, default_movielens_dir, given_or_default
from oryx_cli.demos.http import get_json, get_status, http_request, wait_for
from oryx_core.config import OryxConfig

INGEST_CHUNK_LINES = 20_000
DEMO_USER = "oryx-demo-user"
DEMO_USER_LIKES = ("260", "1196", "1210")  # Star Wars IV, V and VI
SHOWN = 5


def movie_titles(movies_csv: Path) -> dict[str, str]:
    with movies_csv.open(encoding="utf-8", newline="") as handle:
        return {row["movieId"]: row["title"] for row in csv.DictReader(handle)}


def ingest(base: str, lines: list[str]) -> None:
    """One gzip-compressed ``POST /ingest`` (the serving layer accepts Content-Encoding: gzip)."""
    body = gzip.compress("\n".join(lines).encode())
    headers = {"Content-Type": "text/csv", "Content-Encoding": "gzip"}
    with http_request(f"{base}/ingest", method="POST", body=body, headers=headers) as response:
        if response.status != 204:
            raise RuntimeError(f"POST /ingest answered {response.status}")


def show(title: str, rows: object, titles: dict[str, str]) -> None:
    print(title)
    for row in rows if isinstance(rows, list) else []:
        print(f"  {row['value']:8.4f}  {titles.get(str(row['id']), row['id'])}")


def als_demo(
    base: str,
    ratings_csv: Path,
    movies_csv: Path,
    run_generation: Callable[[], None],
    wait_for: Callable[[Callable[[], bool], float, str], None],
) -> None:
    titles = movie_titles(movies_csv)
    lines = list(movielens_lines(ratings_csv))
    print(f"sending {len(lines)} ratings from {ratings_csv} to {base}/ingest ...", flush=True)
    started = time.monotonic()
    for start in range(0, len(lines), INGEST_CHUNK_LINES):
        ingest(base, lines[start : start + INGEST_CHUNK_LINES])
    print(f"ingested in {time.monotonic() - started:.1f} s")
    run_generation()
    wait_for(lambda: get_status(f"{base}/ready") == 200, 300, "the serving layer to load the ALS model")

    print(f"\nGET /recommend/1?howMany={SHOWN}   (user 1 of MovieLens)")
    show("  score     movie", get_json(f"{base}/recommend/1?howMany={SHOWN}"), titles)
    print(f"\nGET /similarity/1?howMany={SHOWN}   (movies like {titles.get('1', 'movie 1')})")
    show("  cosine    movie", get_json(f"{base}/similarity/1?howMany={SHOWN}"), titles)

    liked = ", ".join(titles.get(m, m) for m in DEMO_USER_LIKES)
    print(f"\nPOST /pref/{DEMO_USER}/<movie> for a new user who likes {liked} ...", flush=True)
    sent = time.monotonic()
    for movie in DEMO_USER_LIKES:
        pref = f"{base}/pref/{DEMO_USER}/{movie}"
        with http_request(pref, method="POST", body=b"5", headers={"Content-Type": "text/plain"}) as response:
            if response.status != 204:
                raise RuntimeError(f"POST /pref answered {response.status}")
    recommend = f"{base}/recommend/{urllib.parse.quote(DEMO_USER)}?howMany={SHOWN}"
    wait_for(lambda: get_status(recommend) == 200, 120, "the speed layer to fold the new user in")
    print(f"the speed layer's update made the new user known after {time.monotonic() - sent:.1f} s")
    show(f"GET /recommend/{DEMO_USER}?howMany={SHOWN}", get_json(recommend), titles)


def prepare_demo(
    config: OryxConfig, data_file: str | None, run_generation: Callable[[], None]
) -> Callable[[str], None]:
    """The registered demo entry (``oryx demo``): finds MovieLens first (``--data-file`` overrides the ratings),
    returns the run for a serving URL."""
    movielens = default_movielens_dir()
    ratings = given_or_default(data_file, movielens / "ratings.csv", "--data-file")
    movies = given_or_default(None, movielens / "movies.csv", DATA_DIR_ENV)
    return lambda base: als_demo(base, ratings, movies, run_generation, wait_for)
