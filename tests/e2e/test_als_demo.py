"""The README's main job, as a user runs it: `oryx up` with the ALS app, then `oryx demo` on MovieLens.

`oryx demo` ingests all 100,836 ratings through `POST /ingest`, runs a generation through Dagster, asks for
recommendations and similar movies, then adds a brand-new user with `POST /pref` and waits until the speed
layer's update makes `/recommend/{newUser}` answer. The test checks the printed answers are real: titles from
movies.csv, scores in order, and the new user known within seconds.
"""

from __future__ import annotations

import re

from demo_support import AlsDemoStack
from readme_curl_checks import (  # collected here to share this module's stack (readme_curl_checks.py says why)
    test_every_expectation_has_its_readme_line,
    test_readme_curl_line_answers_as_the_readme_says,
)

__all__ = ["test_every_expectation_has_its_readme_line", "test_readme_curl_line_answers_as_the_readme_says"]


def test_demo_recommends_real_movies_and_folds_in_a_new_user(als_demo: AlsDemoStack) -> None:
    """The stack is this module's ``als_demo`` (tests/e2e/conftest.py), which the README's curl lines query too."""
    output = als_demo.output

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
