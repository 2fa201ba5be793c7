"""Oryx 2's shared assertions (``AbstractServingTest``, ``AbstractALSServingTest``), ported one to one.

``FLOAT_EPSILON`` and ``DOUBLE_EPSILON`` are Oryx 2's tolerances: a value Oryx 2 states as a Java ``float``
literal is compared within 1e-6, one stated as a ``double`` within 1e-12.
"""

from __future__ import annotations

import math
from typing import Any

from compat.jersey import get_json
from flask.testing import FlaskClient

FLOAT_EPSILON = 1.0e-6
DOUBLE_EPSILON = 1.0e-12


def id_values(values: list[dict[str, Any]]) -> list[tuple[str, float]]:
    """A ``List<IDValue>`` read from JSON: every element has exactly an ``id`` and a ``value``."""
    assert all(set(value) == {"id", "value"} for value in values), values
    return [(value["id"], value["value"]) for value in values]


def check_offset(client: FlaskClient, path: str, how_many: int, offset: int, expected_size: int) -> None:
    """``testOffset``: the page's length."""
    results = get_json(client, path, {"howMany": how_many, "offset": offset})
    assert len(results) == expected_size


def check_how_many(client: FlaskClient, path: str, how_many: int, expected_size: int) -> None:
    """``testHowMany``: the answer's length."""
    results = get_json(client, path, {"howMany": how_many})
    assert len(results) == expected_size


def check_top_by_value(expected_size: int, values: list[tuple[str, float]], reverse: bool) -> None:
    """``testTopByValue``: the size, finite values, descending (ascending when ``reverse``)."""
    assert len(values) == expected_size
    scores = [score for _, score in values]
    assert all(math.isfinite(score) for score in scores)
    assert scores == sorted(scores, reverse=not reverse)


def check_top_count(expected_size: int, top: list[dict[str, Any]]) -> None:
    """``testTopCount``: the size, counts >= 1, descending."""
    assert all(set(entry) == {"id", "count"} for entry in top), top
    counts = [entry["count"] for entry in top]
    assert len(counts) == expected_size
    assert all(isinstance(count, int) and count >= 1 for count in counts)
    assert counts == sorted(counts, reverse=True)


def check_csv_top(expected_size: int, response: str, *, counts: bool = False, reverse: bool = False) -> None:
    """``testCSVTopByScore`` / ``testCSVLeastByScore`` / ``testCSVTopByCount``: ``id,value`` rows, ordered."""
    rows = java_split_lines(response)
    assert len(rows) == expected_size
    scores = []
    for row in rows:
        tokens = row.split(",")
        if counts:
            assert int(tokens[1]) > 0
        scores.append(float(tokens[1]))
    assert all(math.isfinite(score) for score in scores)
    assert scores == sorted(scores, reverse=not reverse)


def check_csv_scores(expected_size: int, response: str) -> None:
    """``testCSVScores``: one finite number per row."""
    rows = java_split_lines(response)
    assert len(rows) == expected_size
    assert all(math.isfinite(float(row)) for row in rows)


def java_split_lines(response: str) -> list[str]:
    """``response.split("\\n")`` in Java: trailing empty strings are dropped."""
    rows = response.split("\n")
    while rows and rows[-1] == "":
        rows.pop()
    return rows
