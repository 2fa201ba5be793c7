"""The k-means REST endpoints (Oryx 2's ``/assign``, ``/distanceToNearest``, ``/add``).

A datum is one input line with every schema column (CSV or a JSON array), ID and ignored columns included.
Distances: a point is assigned to the center at the smallest squared Euclidean distance, exactly the PMML's
``squaredEuclidean`` measure (so an independent PMML evaluator agrees), and ``/distanceToNearest`` reports the
plain Euclidean distance to that center, as Oryx 2 does; the two rules pick the same center. Every malformed
datum is a 400 naming the problem, for ``/distanceToNearest`` too (Oryx 2 could answer 500 there, spec 8): an
empty or unparsable line, a wrong column count, a non-number, NaN, ±inf, a missing value, or a point too far
from every center for its distance to be a double.

JSON answers have Oryx 2's shapes: one ``/assign`` or ``/distanceToNearest`` is a JSON number (Oryx 2 wrote the
bare text ``2`` or ``0.0``), bulk ``/assign`` an array of strings (Oryx 2's ``List<String>``).
"""

from __future__ import annotations

from typing import cast

from flask import Response

from oryx_core.input.lines import BadLineError, parse_line
from oryx_serving.apps.kmeans.model import KMeansServingModel, TooFarError
from oryx_serving.lambda_.errors import check, fail, require_model
from oryx_serving.lambda_.formats import read_body_lines, respond
from oryx_serving.lambda_.forwarding import forward_body_lines, forward_line
from oryx_serving.lambda_.registry import CSV_JSON_TYPES, ApiBlueprint, Body, Param
from oryx_serving.lambda_.state import serving_state

WRONG_FEATURES = "Wrong number of features"


def _model() -> KMeansServingModel:
    return cast(KMeansServingModel, require_model(serving_state()))


def _point(model: KMeansServingModel, datum: str, where: str = "") -> list[float]:
    """The datum's active features, or 400: empty, unparsable, wrong column count, or not a number."""
    check(bool(datum.strip()), f"Empty datum{where}")
    try:
        fields = parse_line(datum)
    except BadLineError as error:
        fail(400, f"Bad datum{where}: {error.reason}")
    names = model.schema.names
    check(len(fields) == len(names), f"{WRONG_FEATURES}{where}: expected {len(names)}, got {len(fields)}")
    try:
        return model.schema.numeric_vector(fields)
    except ValueError as error:
        fail(400, f"Bad datum{where}: {error}")


def _points(model: KMeansServingModel, lines: list[str]) -> list[list[float]]:
    return [_point(model, line, f" on line {number}") for number, line in enumerate(lines, 1)]


def assign(datum: str) -> Response:
    """The ID of the nearest cluster: text, or a JSON number with ``Accept: application/json``, as Oryx 2."""
    model = _model()
    try:
        return respond(model.assign_one(_point(model, datum)))
    except TooFarError as error:
        fail(400, f"Bad datum: {error}")


def assign_lines() -> Response:
    """One cluster ID per body line, in order (strings in JSON, as Oryx 2's ``List<String>``)."""
    model = _model()
    lines = read_body_lines()
    if not lines:
        return respond([])
    try:
        return respond([str(cluster) for cluster in model.assign(_points(model, lines))])
    except TooFarError as error:
        fail(400, f"Bad datum on line {error.index + 1}: {error}")


def distance_to_nearest(datum: str) -> Response:
    """The Euclidean distance from the datum to its nearest center."""
    model = _model()
    try:
        return respond(model.distance_to_nearest_one(_point(model, datum)))
    except TooFarError as error:
        fail(400, f"Bad datum: {error}")


def register(blueprint: ApiBlueprint) -> None:
    datum = Param("datum", "one input line with every schema column (CSV or JSON array)", example="5.1,3.5,1.4,0.2,0")
    lines = Body("input lines, one per line (a zip or gzip part in multipart form data)", example="5.1,3.5,1.4,0.2,0")
    bad = {400: f"Empty or malformed datum, a non-number in a feature, or {WRONG_FEATURES}"}
    blueprint.api_route(
        "/assign/<path:datum>",
        assign,
        "GET",
        summary="The ID of the cluster nearest to the datum",
        params=[datum],
        produces=CSV_JSON_TYPES,
        needs_model=True,
        errors=bad,
    )
    blueprint.api_route(
        "/assign",
        assign_lines,
        "POST",
        summary="The nearest cluster's ID for every line of the body, in order",
        body=lines,
        produces=CSV_JSON_TYPES,
        needs_model=True,
        errors=bad,
    )
    blueprint.api_route(
        "/distanceToNearest/<path:datum>",
        distance_to_nearest,
        "GET",
        summary="The Euclidean distance from the datum to the nearest cluster center",
        params=[datum],
        produces=CSV_JSON_TYPES,
        needs_model=True,
        errors=bad,
    )
    blueprint.api_route(
        "/add/<path:datum>",
        forward_line,
        "POST",
        summary="Sends the datum, unchanged, to the input topic",
        params=[datum],
        writes=True,
    )
    blueprint.api_route(
        "/add",
        forward_body_lines,
        "POST",
        summary="Sends every line of the body, unchanged, to the input topic",
        body=lines,
        writes=True,
    )
