"""The README's main job, as a user runs it: `oryx up` with the ALS app, then `oryx demo` on MovieLens.

`oryx demo` ingests all 100,836 ratings through `POST /ingest`, runs a generation through Dagster, asks for
recommendations and similar movies, then adds a brand-new user with `POST /pref` and waits until the speed
layer's update makes `/recommend/{newUser}` answer. The test checks the printed answers are real: titles from
movies.csv, scores in order, and the new user known within seconds.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from demo_support import run_demo

from oryx_core.apps.als.movielens import default_movielens_dir

BROKER_PORT, SERVING_PORT, DAGSTER_PORT = 19392, 18180, 13100
MOVIELENS = default_movielens_dir()  # $ORYX_DATA_DIR/movielens-latest-small, else ../shared/data/...


@pytest.mark.skipif(not (MOVIELENS / "ratings.csv").is_file(), reason=f"MovieLens not found at {MOVIELENS}")
def test_demo_recommends_real_movies_and_folds_in_a_new_user(stack_env: dict[str, str], tmp_path: Path) -> None:
    output = run_demo(
        stack_env,
        tmp_path,
        "als-example.conf",
        app_id="ALSDemoTest",
        ports=(BROKER_PORT, SERVING_PORT, DAGSTER_PORT),
        extra="  ml.eval.candidates = 1\n  als.hyperparams.lambda = 0.1",
    )

    assert "sending 100836 ratings" in output
    recommended = section(output, "GET /recommend/1?")
    assert len(recommended) == 5
    assert all(title and not title.isdigit() for _, title in recommended), recommended  # titles, not IDs
    scores = [score for score, _ in recommended]
    assert scores == sorted(scores, reverse=True)
    similar = section(output, "GET /similarity/1?")
    assert len(similar) == 5 and all(-1.0 <= s <= 1.0001 for s, _ in similar)
    assert "Toy Story (1995)" not in [t for _, t in similar]  # the query item itself is excluded
    match = re.search(r"made the new user known after ([0-9.]+) s", output)
    assert match, output[-3000:]
    assert float(match.group(1)) < 60
    assert len(section(output, "GET /recommend/oryx-demo-user")) == 5


def section(output: str, header: str) -> list[tuple[float, str]]:
    """The ``score title`` rows printed under the line starting with ``header``."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 1 :]:
        found = re.match(r"^\s+(-?[0-9.]+)\s+(.+)$", line)
        if found is None:
            if rows:
                break
            continue
        rows.append((float(found.group(1)), found.group(2)))
    return rows
