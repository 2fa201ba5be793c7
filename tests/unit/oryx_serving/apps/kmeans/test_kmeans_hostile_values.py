"""Property tests: hostile data at ``/assign`` and ``/distanceToNearest`` (GET and bulk POST) is a 400 with a
message, never a 5xx; every other datum gets the nearest center a plain computation finds.

Data: numbers of every size and sign (subnormals, -0.0, ±1e308), NaN, ±inf, 1e999, empty fields, non-numbers,
and wrong column counts, against random centers delivered as a MODEL.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_kmeans_endpoints import KMEANS, SCHEMA

from oryx_core.apps.kmeans.clusters import KMeansModel
from oryx_core.apps.kmeans.pmml import build_kmeans_pmml
from oryx_core.apps.kmeans.points import kmeans_schema
from oryx_core.config import load_config
from oryx_core.ml.pmml import write_pmml

JSON = {"Accept": "application/json"}
NUMBER_TEXTS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["-2", "-1e308", "1e308", "1e200", "-0.0", "5e-324", "1e154", "0", "12"]),
)
BAD_TEXTS = st.sampled_from(["", "NaN", "nan", "inf", "-Infinity", "1e999", "x", "0x10", "--1", "1e", " "])
datums = st.one_of(
    st.tuples(NUMBER_TEXTS, NUMBER_TEXTS).map(lambda v: f"a,{v[0]},{v[1]},x"),
    st.tuples(st.one_of(NUMBER_TEXTS, BAD_TEXTS), BAD_TEXTS).map(lambda v: f"a,{v[0]},{v[1]},x"),
    st.lists(NUMBER_TEXTS, min_size=0, max_size=6).filter(lambda v: len(v) != 2).map(lambda v: ",".join(["a", *v])),
)
centers = st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)), min_size=1, max_size=4, unique_by=lambda c: c)


@dataclass(frozen=True)
class Expected:
    """The nearest cluster and its Euclidean distance, or why the datum is a 400 (``malformed``, ``too far``)."""

    cluster: int | None
    distance: float | None = None
    problem: str | None = None


def expected(datum: str, model: list[tuple[float, float]]) -> Expected:
    """Four fields, two finite numbers, and some finite squared distance; else a 400."""
    fields = datum.split(",")
    if len(fields) != 4:
        return Expected(None, problem="malformed")
    try:
        x, y = float(fields[1]), float(fields[2])
    except ValueError:
        return Expected(None, problem="malformed")
    if not (math.isfinite(x) and math.isfinite(y)):
        return Expected(None, problem="malformed")
    squared = [(x - cx) * (x - cx) + (y - cy) * (y - cy) for cx, cy in model]
    best = min(squared)
    if not math.isfinite(best):
        return Expected(None, problem="too far")
    return Expected(squared.index(best), math.sqrt(best))


def reported_line(wanted: list[Expected]) -> int | None:
    """Bulk requests check every line's form first, then measure: the first malformed line, else the first too far."""
    for problem in ("malformed", "too far"):
        lines = [number for number, want in enumerate(wanted, 1) if want.problem == problem]
        if lines:
            return lines[0]
    return None


@pytest.fixture
def serve(
    make_app: Callable[..., Flask], publish: Callable[[str, str], None], caught_up: Callable[[Flask], None]
) -> Callable[[list[tuple[float, float]]], Flask]:
    app = make_app(*KMEANS)
    schema = kmeans_schema(load_config(None, SCHEMA))

    def load(model: list[tuple[float, float]]) -> Flask:
        publish("MODEL", write_pmml(build_kmeans_pmml(schema, KMeansModel.of(model, [1] * len(model)), 0)))
        caught_up(app)
        return app

    return load


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # one app; each example sends a MODEL
@given(model=centers, batch=st.lists(datums, min_size=1, max_size=12))
def test_hostile_data_is_a_400_with_a_message_and_the_rest_is_exact(
    serve: Callable[[list[tuple[float, float]]], Flask], model: list[tuple[float, float]], batch: list[str]
) -> None:
    client = serve(model).test_client()
    wanted = [expected(datum, model) for datum in batch]
    for datum, want in zip(batch, wanted, strict=True):
        path = quote(datum, safe=",")
        assign = client.get(f"/assign/{path}", headers=JSON)
        distance = client.get(f"/distanceToNearest/{path}", headers=JSON)
        if want.cluster is None:
            assert (assign.status_code, distance.status_code) == (400, 400), (datum, assign.text, distance.text)
            assert assign.text and distance.text == assign.text, datum
        else:
            assert (assign.status_code, assign.get_json()) == (200, want.cluster), datum
            assert (distance.status_code, distance.get_json()) == (200, want.distance), datum
    bulk = client.post("/assign", data="\n".join(batch), content_type="text/plain")
    line = reported_line(wanted)
    if line is not None:
        assert bulk.status_code == 400 and f" on line {line}: " in bulk.text, bulk.text
    else:
        assert (bulk.status_code, bulk.text) == (200, "".join(f"{w.cluster}\n" for w in wanted))
