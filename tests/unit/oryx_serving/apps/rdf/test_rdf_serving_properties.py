"""Property tests over HTTP: random forests delivered as MODEL, hostile rows at ``/predict`` (GET and bulk POST)
and ``/classificationDistribution``, every answer checked against a plain walk over the PMML.

No row with a well-formed shape fails: a 5xx or 400 for any generated row is a failure. Rows with missing or
unseen values are counted in ``/metrics`` exactly; one malformed row makes the bulk request a 400 naming its line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdf_serving_support import RDF
from support.rdf_forests import Expected, all_close, forests, malformed_rows, oracle, rows, schema_overrides

from oryx_serving.apps.rdf.endpoints import INCOMPLETE_ROWS

# The app fixture is built once per test and reused by every example on purpose: each example publishes its own
# MODEL, which replaces the previous one, as on a live server.
REUSED_APP = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
JSON = {"Accept": "application/json"}
SINGLE = 4
"""Rows of each example also asked one by one (GET): every row goes through bulk POST."""


@pytest.fixture
def serve(
    make_app: Callable[..., Flask], publish: Callable[[str, str], None], caught_up: Callable
) -> Iterator[Callable[[bool, str], Flask]]:
    apps: dict[bool, Flask] = {}

    def load(classification: bool, document: str) -> Flask:
        if classification not in apps:
            apps[classification] = make_app(*RDF, *schema_overrides(classification))
        publish("MODEL", document)
        caught_up(apps[classification])
        return apps[classification]

    yield load


def incomplete_rows(app: Flask) -> dict[str, int]:
    """``reason`` -> count, summed over endpoints."""
    found: dict[str, int] = {}
    for line in app.test_client().get("/metrics").text.splitlines():
        if line.startswith(INCOMPLETE_ROWS + "{"):
            reason = line.split('reason="')[1].split('"')[0]
            found[reason] = found.get(reason, 0) + int(line.rsplit(" ", 1)[1])
    return found


def expected_counts(before: dict[str, int], expected: list[Expected]) -> dict[str, int]:
    after = dict(before)
    for reason, n in (("missing", sum(e.missing for e in expected)), ("unseen", sum(e.unseen for e in expected))):
        if n:
            after[reason] = after.get(reason, 0) + n
    return after


def check_class(answer: str, expected: Expected) -> None:
    assert answer in ("X", "Y", "Z") and expected.accepts_class("XYZ".index(answer)), (answer, expected)


@REUSED_APP
@given(document=forests(classification=True), lines=st.lists(rows, min_size=1, max_size=20))
def test_classification_endpoints_answer_like_the_pmml_walk(
    serve: Callable[[bool, str], Flask], document: str, lines: list[str]
) -> None:
    app = serve(True, document)
    client = app.test_client()
    expected = [oracle(document, line) for line in lines]
    before = incomplete_rows(app)
    bulk = client.post("/predict", data="\n".join(lines), content_type="text/plain")
    assert bulk.status_code == 200, bulk.text
    assert len(bulk.text.splitlines()) == len(lines)
    for answer, wanted in zip(bulk.text.splitlines(), expected, strict=True):
        check_class(answer, wanted)
    assert incomplete_rows(app) == expected_counts(before, expected)
    for line, wanted in list(zip(lines, expected, strict=True))[:SINGLE]:
        single = client.get(f"/predict/{quote(line, safe=',')}", headers=JSON)
        assert single.status_code == 200, (line, single.text)
        check_class(single.get_json(), wanted)
        distribution = client.get(f"/classificationDistribution/{quote(line, safe=',')}", headers=JSON)
        assert distribution.status_code == 200, (line, distribution.text)
        assert [d["id"] for d in distribution.get_json()] == ["X", "Y", "Z"]
        assert all_close([d["value"] for d in distribution.get_json()], wanted.probabilities or ()), line


@REUSED_APP
@given(document=forests(classification=False), lines=st.lists(rows, min_size=1, max_size=20))
def test_regression_endpoints_answer_like_the_pmml_walk(
    serve: Callable[[bool, str], Flask], document: str, lines: list[str]
) -> None:
    app = serve(False, document)
    client = app.test_client()
    expected = [oracle(document, line) for line in lines]
    bulk = client.post("/predict", data="\n".join(lines), content_type="text/plain", headers=JSON)
    assert bulk.status_code == 200, bulk.text
    answers = bulk.get_json()
    assert all(isinstance(a, str) for a in answers) and len(answers) == len(lines)
    for answer, wanted in zip(answers, expected, strict=True):
        assert wanted.accepts_value(float(answer)), (answer, wanted)
    for line, answer in list(zip(lines, answers, strict=True))[:SINGLE]:
        single = client.get(f"/predict/{quote(line, safe=',')}", headers=JSON)
        assert (single.status_code, single.get_json()) == (200, float(answer)), line
        assert client.get(f"/predict/{quote(line, safe=',')}").text == answer, line


@REUSED_APP
@given(
    document=forests(classification=True, max_trees=1),
    lines=st.lists(rows, min_size=1, max_size=10),
    bad=malformed_rows,
    position=st.integers(0, 10),
)
def test_one_malformed_row_fails_the_bulk_request_naming_its_line(
    serve: Callable[[bool, str], Flask], document: str, lines: list[str], bad: str, position: int
) -> None:
    app = serve(True, document)
    position = min(position, len(lines))
    body = [*lines[:position], bad, *lines[position:]]
    response = app.test_client().post("/predict", data="\n".join(body), content_type="text/plain")
    assert response.status_code == 400
    assert response.text.startswith(f"line {position + 1}: "), response.text
