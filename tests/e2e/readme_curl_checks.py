"""The README runs: every `curl` line of README.md, run by the real curl binary against the stack the README
describes, answers the status and the kind of body its text promises.

The stack is ``als_demo`` (tests/e2e/conftest.py): `oryx up` with ``conf/als-example.conf`` on a private state
folder and test ports, then `oryx demo`, which loads MovieLens through ``POST /ingest`` and builds the model the
README's queries assume (user 1, Star Wars IV = movie 260, V = 1196). The tests below are collected in
``test_als_demo.py``, so that they and the demo test share one stack, stopped when that module ends (this file's
name keeps pytest from collecting them a second time, with a second stack).

Every curl command of the README's fenced shell blocks is found by ``tests/support/readme_curls.py`` (one test
case per command, named by its README line) and needs an entry in ``EXPECTATIONS``, keyed by method and request
target: a README line this test has no expectation for, or cannot read, fails, and so does an expectation whose
line the README dropped. The README's host and port are rewritten in one place, :func:`on_test_stack`.
"""

from __future__ import annotations

import csv
import functools
import json
import math
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from demo_support import REPO, AlsDemoStack
from support.readme_curls import ReadmeCurl, readme_curls

README = REPO / "README.md"
README_ORIGIN = "http://127.0.0.1:8080"
"""Where the README's curl lines send their requests: every one must start with it."""
COMMANDS = readme_curls(README.read_text(encoding="utf-8"))
FOLD_IN_SECONDS = 60  # the README: "a new rating, folded in within seconds"


def on_test_stack(args: tuple[str, ...], serving_url: str) -> list[str]:
    """The one rewrite of the README's lines: ``http://127.0.0.1:8080`` becomes the test stack's serving URL."""
    return [serving_url + arg[len(README_ORIGIN) :] if arg.startswith(README_ORIGIN + "/") else arg for arg in args]


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: str

    def json(self) -> object:
        assert self.content_type.startswith("application/json"), self.content_type
        return json.loads(self.body)

    def csv_rows(self) -> list[tuple[str, float]]:
        """``id,value`` lines, as Oryx 2's CSV answers (what curl's default ``Accept: */*`` gets, as text/plain)."""
        assert self.content_type.startswith("text/plain"), self.content_type
        rows = [line.split(",") for line in self.body.splitlines()]
        assert all(len(row) == 2 for row in rows), self.body
        return [(id_, float(value)) for id_, value in rows]


@dataclass(frozen=True)
class MovieLens:
    movies: frozenset[str]
    rated_by: dict[str, frozenset[str]]


@functools.cache
def movielens(folder: Path) -> MovieLens:
    with (folder / "movies.csv").open(encoding="utf-8", newline="") as handle:
        movies = frozenset(row["movieId"] for row in csv.DictReader(handle))
    rated: dict[str, set[str]] = {}
    with (folder / "ratings.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            rated.setdefault(row["userId"], set()).add(row["movieId"])
    return MovieLens(movies, {user: frozenset(items) for user, items in rated.items()})


def descending(values: list[float]) -> bool:
    return all(math.isfinite(v) for v in values) and values == sorted(values, reverse=True)


# ---- what each README line promises ---------------------------------------------------------------------------


def recommends_unrated_movies_to_user_1(answer: Answer, stack: AlsDemoStack) -> None:
    """`-H 'Accept: application/json' .../recommend/1?howMany=5`: five movies user 1 has not rated, best first."""
    data = movielens(stack.movielens)
    assert answer.status == 200, answer.body
    rows = answer.json()
    assert isinstance(rows, list) and len(rows) == 5, rows
    ids = [str(row["id"]) for row in rows]
    assert set(ids) <= data.movies and not set(ids) & data.rated_by["1"], ids
    assert descending([float(row["value"]) for row in rows]), rows


def lists_movies_like_star_wars(answer: Answer, stack: AlsDemoStack) -> None:
    """`.../similarity/260?howMany=5` ("movies like Star Wars IV"): five other movies by cosine, best first, with
    a Star Wars sequel (V = 1196 or VI = 1210) among them."""
    data = movielens(stack.movielens)
    assert answer.status == 200, answer.body
    rows = answer.csv_rows()
    ids = [id_ for id_, _ in rows]
    assert len(rows) == 5 and set(ids) <= data.movies and "260" not in ids, rows
    assert {"1196", "1210"} & set(ids), rows
    cosines = [value for _, value in rows]
    assert descending(cosines) and all(-1.0 <= c <= 1.0001 for c in cosines), rows


def lists_movies_like_star_wars_less_alike(answer: Answer, stack: AlsDemoStack) -> None:
    """`.../similarity/260?howMany=5&diversity=0.5` ("the same, less alike each other"): five other movies whose
    mean pairwise cosine (asked of ``/similarityToItem``) is below that of the plain list's five."""
    data = movielens(stack.movielens)
    assert answer.status == 200, answer.body
    diverse = [id_ for id_, _ in answer.csv_rows()]
    assert len(diverse) == 5 and set(diverse) <= data.movies and "260" not in diverse, diverse
    plain = [line.split(",")[0] for line in _get(f"{stack.serving_url}/similarity/260?howMany=5").splitlines()]
    assert diverse != plain and diverse[0] == plain[0], (diverse, plain)  # the best stays first
    assert _mean_pairwise_cosine(diverse, stack) < _mean_pairwise_cosine(plain, stack), (diverse, plain)


def _get(url: str, accept: str = "*/*") -> str:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept}), timeout=30) as response:
        return response.read().decode()


def _mean_pairwise_cosine(ids: list[str], stack: AlsDemoStack) -> float:
    cosines = []
    for position, item in enumerate(ids[:-1]):
        others = "/".join(ids[position + 1 :])
        cosines += json.loads(_get(f"{stack.serving_url}/similarityToItem/{item}/{others}", "application/json"))
    return sum(cosines) / len(cosines)


def explains_with_user_1s_movies(answer: Answer, stack: AlsDemoStack) -> None:
    """`.../because/1/260` ("which of user 1's movies explain it"): ten of user 1's own movies (the default
    howMany), the most similar to 260 first."""
    data = movielens(stack.movielens)
    assert answer.status == 200, answer.body
    rows = answer.csv_rows()
    assert len(rows) == 10 and {id_ for id_, _ in rows} <= data.rated_by["1"], rows
    assert descending([value for _, value in rows]), rows


def accepts_alices_rating_and_folds_her_in(answer: Answer, stack: AlsDemoStack) -> None:
    """`curl -X POST --data 5 .../pref/alice/1196` ("a new rating, folded in within seconds"): 204 with no body,
    then, once the speed layer's update arrives, ``/recommend/alice`` answers, without the movie she rated."""
    assert (answer.status, answer.body) == (204, "")
    url = f"{stack.serving_url}/recommend/alice"
    deadline = time.monotonic() + FOLD_IN_SECONDS
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                ids = [line.split(",")[0] for line in response.read().decode().splitlines()]
                break
        except urllib.error.HTTPError as error:
            assert error.code == 404, error.code  # alice unknown until the speed layer's UP
        assert time.monotonic() < deadline, f"/recommend/alice still 404 after {FOLD_IN_SECONDS} s"
        time.sleep(0.5)
    assert len(ids) == 10 and "1196" not in ids, ids


EXPECTATIONS: dict[str, Callable[[Answer, AlsDemoStack], None]] = {
    "GET /recommend/1?howMany=5": recommends_unrated_movies_to_user_1,
    "GET /similarity/260?howMany=5": lists_movies_like_star_wars,
    "GET /similarity/260?howMany=5&diversity=0.5": lists_movies_like_star_wars_less_alike,
    "GET /because/1/260": explains_with_user_1s_movies,
    "POST /pref/alice/1196": accepts_alices_rating_and_folds_her_in,
}
"""Method and request target of each README curl line -> what its answer must be."""


# ---- running them -------------------------------------------------------------------------------------------


def run_curl(command: ReadmeCurl, serving_url: str, folder: Path) -> Answer:
    """The README's arguments, rewritten to the test stack, plus only what captures the answer."""
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("the curl binary is not on PATH")  # a failure under CI=true (tests/ci_skips.py)
    body = folder / "body"
    capture = ["--silent", "--show-error", "--max-time", "60", "--output", str(body)]
    capture += ["--write-out", "%{http_code} %{content_type}"]
    done = subprocess.run(
        [curl, *on_test_stack(command.args, serving_url), *capture], capture_output=True, text=True, timeout=90
    )
    assert done.returncode == 0, f"curl exited with {done.returncode}: {done.stderr}"
    status, _, content_type = done.stdout.partition(" ")
    return Answer(int(status), content_type, body.read_text(encoding="utf-8") if body.exists() else "")


@pytest.mark.parametrize("command", COMMANDS, ids=[f"README.md:{c.line}" for c in COMMANDS])
def test_readme_curl_line_answers_as_the_readme_says(
    command: ReadmeCurl, als_demo: AlsDemoStack, tmp_path: Path
) -> None:
    request = command.request()  # ValueError for an option the parser does not understand
    assert request.url.startswith(README_ORIGIN + "/"), f"README.md:{command.line} is not for {README_ORIGIN}"
    assert request.target in EXPECTATIONS, (
        f"README.md:{command.line} `{command.text}` ({request.target}) has no expectation in EXPECTATIONS"
    )
    EXPECTATIONS[request.target](run_curl(command, als_demo.serving_url, tmp_path), als_demo)


def test_every_expectation_has_its_readme_line() -> None:
    assert sorted(EXPECTATIONS) == sorted({command.request().target for command in COMMANDS})
