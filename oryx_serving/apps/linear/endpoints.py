"""The linear app's REST endpoints: ``/predict`` (one datum, or one per body line) and ``/train`` (examples to the
input topic).

A datum is one input line with every schema column (CSV or a JSON array); the target may be empty and is
ignored. A single ``/predict`` answers the value as text, or a JSON number with ``Accept: application/json``, as
the RDF app answers a regression; bulk ``/predict`` one value per line, or a JSON array of numbers (this app has
no Oryx 2 client to match). A malformed datum is a 400 naming the problem, in a bulk request with its line.
"""

from __future__ import annotations

from typing import cast

from flask import Response

from oryx_core.apps.linear.examples import parse_datum
from oryx_core.input.lines import BadLineError
from oryx_serving.apps.linear.manager import LinearServingModel
from oryx_serving.lambda_.errors import check, fail, require_model
from oryx_serving.lambda_.formats import read_body_lines, respond
from oryx_serving.lambda_.forwarding import forward_body_lines, forward_line
from oryx_serving.lambda_.registry import CSV_JSON_TYPES, ApiBlueprint, Body, Param
from oryx_serving.lambda_.state import serving_state


def _model() -> LinearServingModel:
    return cast(LinearServingModel, require_model(serving_state()))


def _row(model: LinearServingModel, datum: str, where: str = "") -> list[float]:
    check(bool(datum.strip()), f"Empty datum{where}")
    try:
        return parse_datum(model.schema, datum)
    except BadLineError as error:
        fail(400, f"Bad datum{where}: {error.reason}")
    except ValueError as error:
        fail(400, f"Bad datum{where}: {error}")


def predict(datum: str) -> Response:
    model = _model()
    return respond(model.predict([_row(model, datum)])[0])


def predict_lines() -> Response:
    model = _model()
    lines = read_body_lines()
    check(bool(lines), "no input lines")
    return respond(model.predict([_row(model, line, f" on line {n}") for n, line in enumerate(lines, start=1)]))


def register(blueprint: ApiBlueprint) -> None:
    datum = Param("datum", "one input line with every schema column; the target may be empty", example="1,-5,50,")
    lines = Body("input lines, one per line (CSV or JSON arrays); multipart zip/gzip parts are unpacked")
    bad = {400: "Empty datum, wrong column count, a missing or non-number predictor"}
    blueprint.api_route(
        "/predict/<path:datum>",
        predict,
        "GET",
        summary="The predicted value of one datum",
        params=[datum],
        produces=CSV_JSON_TYPES,
        needs_model=True,
        errors=bad,
    )
    blueprint.api_route(
        "/predict",
        predict_lines,
        "POST",
        summary="One predicted value per body line, in order",
        body=lines,
        produces=CSV_JSON_TYPES,
        needs_model=True,
        errors=bad,
    )
    example = Param("datum", "one training example with every schema column, the target included")
    blueprint.api_route(
        "/train/<path:datum>",
        forward_line,
        "POST",
        summary="Sends the example, unchanged, to the input topic",
        params=[example],
        writes=True,
    )
    blueprint.api_route(
        "/train",
        forward_body_lines,
        "POST",
        summary="Sends every line of the body, unchanged, to the input topic",
        body=lines,
        writes=True,
    )
