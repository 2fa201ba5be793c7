"""The RDF REST endpoints (Oryx 2's ``classreg`` and ``rdf`` resources).

Bad input is a 400 with a message naming the problem: an empty datum, a wrong column count, a non-number in a
numeric column, and (unlike Oryx 2, which answered 500) a category the model never saw.
"""

from __future__ import annotations

from typing import cast

from flask import Response

from oryx_serving.apps.rdf.model import RDFServingModel
from oryx_serving.lambda_.errors import check, fail, require_model
from oryx_serving.lambda_.formats import IDValue, read_body_lines, respond
from oryx_serving.lambda_.forwarding import forward_body_lines, forward_line
from oryx_serving.lambda_.model_manager import serving_state
from oryx_serving.lambda_.registry import CSV_JSON_TYPES, ApiBlueprint, Body, Param

BAD_FEATURE_NUMBER = "Bad feature number"
ONLY_CLASSIFICATION = "Only applicable for classification"


def _model() -> RDFServingModel:
    return cast(RDFServingModel, require_model(serving_state()))


def predict(datum: str) -> Response:
    model = _model()
    try:
        return respond(model.predict(datum))
    except ValueError as e:
        fail(400, str(e))


def predict_lines() -> Response:
    model = _model()
    lines = read_body_lines()
    check(bool(lines), "no input lines")
    vectors = []
    for number, line in enumerate(lines, start=1):
        try:
            vectors.append(model.features(line))
        except ValueError as e:
            fail(400, f"line {number}: {e}")
    return respond(model.predict_many(vectors))


def classification_distribution(datum: str) -> Response:
    model = _model()
    check(model.is_classification, ONLY_CLASSIFICATION)
    try:
        return respond([IDValue(name, p) for name, p in model.distribution(datum)])
    except ValueError as e:
        fail(400, str(e))


def feature_importance() -> Response:
    return respond(_model().importances())


def feature_importance_of(number: str) -> Response:
    importances = _model().importances()
    check(number.strip().isdigit() and int(number) < len(importances), BAD_FEATURE_NUMBER)
    return respond(importances[int(number)])


def register(blueprint: ApiBlueprint) -> None:
    datum = Param("datum", "one input line (CSV) with every schema column; the target may be empty")
    lines = Body("input lines, one per line (CSV or JSON arrays); multipart zip/gzip parts are unpacked")
    bad_datum = {400: "Empty datum, wrong column count, a non-number, or an unknown category"}
    blueprint.api_route(
        "/predict/<path:datum>",
        predict,
        "GET",
        summary="The predicted class or value of one example",
        params=[datum],
        produces=CSV_JSON_TYPES,
        needs_model=True,
        errors=bad_datum,
    )
    blueprint.api_route(
        "/predict",
        predict_lines,
        "POST",
        summary="One prediction per body line",
        body=lines,
        produces=CSV_JSON_TYPES,
        needs_model=True,
        errors=bad_datum,
    )
    blueprint.api_route(
        "/classificationDistribution/<path:datum>",
        classification_distribution,
        "GET",
        summary="Every class with its probability for one example",
        params=[datum],
        produces=CSV_JSON_TYPES,
        needs_model=True,
        errors={400: f"{ONLY_CLASSIFICATION}; or a bad datum"},
    )
    blueprint.api_route(
        "/feature/importance",
        feature_importance,
        "GET",
        summary="Each column's importance, in schema order (0 for columns that are not predictors)",
        produces=CSV_JSON_TYPES,
        needs_model=True,
    )
    blueprint.api_route(
        "/feature/importance/<number>",
        feature_importance_of,
        "GET",
        summary="One column's importance",
        params=[Param("number", "0-based column index", example="0")],
        produces=CSV_JSON_TYPES,
        needs_model=True,
        errors={400: BAD_FEATURE_NUMBER},
    )
    blueprint.api_route(
        "/train/<path:datum>",
        forward_line,
        "POST",
        summary="Sends one example to the input topic",
        params=[datum],
        writes=True,
    )
    blueprint.api_route(
        "/train",
        forward_body_lines,
        "POST",
        summary="Sends every body line to the input topic",
        body=lines,
        writes=True,
    )
