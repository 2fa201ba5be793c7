"""The RDF REST endpoints (Oryx 2's ``classreg`` and ``rdf`` resources).

A malformed row is a 400 naming the problem (and, in a bulk request, its line number): an empty datum, a wrong
column count, a non-number in a numeric column. A missing value or a category the model never saw is not an
error: it takes the trees' missing-value path (Oryx 2 answered 500 for an unseen category), the row is answered
like any other, and ``oryx_serving_rdf_incomplete_rows_total`` in ``/metrics`` counts it.

JSON answers have Oryx 2's shapes: a single ``/predict`` is a JSON number for a regression, or for a class name
that is one (Oryx 2 wrote the bare text, so ``2`` read as a number), otherwise a JSON string; bulk ``/predict``
is an array of strings, as Oryx 2's ``List<String>`` was.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import cast

from flask import Response, request

from oryx_core.apps.rdf.encoding import PredictionFeatures
from oryx_serving.apps.rdf.model import RDFServingModel
from oryx_serving.lambda_.errors import check, fail, require_model
from oryx_serving.lambda_.formats import IDValue, read_body_lines, respond
from oryx_serving.lambda_.forwarding import forward_body_lines, forward_line
from oryx_serving.lambda_.metrics import count
from oryx_serving.lambda_.registry import CSV_JSON_TYPES, ApiBlueprint, Body, Param
from oryx_serving.lambda_.state import serving_state

BAD_FEATURE_NUMBER = "Bad feature number"
ONLY_CLASSIFICATION = "Only applicable for classification"
INCOMPLETE_ROWS = "oryx_serving_rdf_incomplete_rows_total"
_INCOMPLETE_ROWS_HELP = (
    "RDF rows answered although a predictor had no value (reason=missing) or a category the model never saw "
    "(reason=unseen); such values take the trees' missing-value path. By endpoint (route rule); a row with both "
    "counts once for each reason."
)
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_FRACTION = re.compile(r"[.eE]")


def _model() -> RDFServingModel:
    return cast(RDFServingModel, require_model(serving_state()))


def _example(model: RDFServingModel, line: str, where: str = "") -> PredictionFeatures:
    try:
        return model.example(line)
    except ValueError as e:
        fail(400, f"{where}{e}")


def _count_incomplete(examples: Sequence[PredictionFeatures]) -> None:
    missing = sum(1 for e in examples if e.missing)
    unseen = sum(1 for e in examples if e.unseen)
    endpoint = request.url_rule.rule if request.url_rule is not None else request.path
    for reason, n in (("missing", missing), ("unseen", unseen)):
        if n:
            count(INCOMPLETE_ROWS, _INCOMPLETE_ROWS_HELP, n, endpoint=endpoint, reason=reason)


def _as_oryx2_scalar(prediction: str | float) -> str | int | float:
    """A value, or a class name whose text is exactly a JSON number's (``2``, ``0.5``), as that number."""
    if isinstance(prediction, float) or not _JSON_NUMBER.fullmatch(prediction):
        return prediction
    number = float(prediction) if _FRACTION.search(prediction) else int(prediction)
    return number if str(number) == prediction else prediction


def predict(datum: str) -> Response:
    model = _model()
    example = _example(model, datum)
    _count_incomplete([example])
    return respond(_as_oryx2_scalar(model.predict(example)))


def predict_lines() -> Response:
    model = _model()
    lines = read_body_lines()
    check(bool(lines), "no input lines")
    examples = [_example(model, line, f"line {number}: ") for number, line in enumerate(lines, start=1)]
    _count_incomplete(examples)
    return respond(model.predict_many(examples))


def classification_distribution(datum: str) -> Response:
    model = _model()
    check(model.is_classification, ONLY_CLASSIFICATION)
    example = _example(model, datum)
    _count_incomplete([example])
    return respond([IDValue(name, p) for name, p in model.distribution(example)])


def feature_importance() -> Response:
    return respond(_model().importances())


def feature_importance_of(number: str) -> Response:
    importances = _model().importances()
    check(number.strip().isdigit() and int(number) < len(importances), BAD_FEATURE_NUMBER)
    return respond(importances[int(number)])


def register(blueprint: ApiBlueprint) -> None:
    datum = Param("datum", "one input line (CSV) with every schema column; the target may be empty")
    lines = Body("input lines, one per line (CSV or JSON arrays); multipart zip/gzip parts are unpacked")
    bad_datum = {400: "Empty datum, wrong column count, or a non-number in a numeric column"}
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
