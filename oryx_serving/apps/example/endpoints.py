"""The word-count example's REST endpoints: ``/add`` writes input lines, ``/distinct`` reads counts."""

from __future__ import annotations

from typing import cast

from flask import Response

from oryx_serving.apps.example.model import ExampleServingModel
from oryx_serving.lambda_.errors import check, require_model
from oryx_serving.lambda_.formats import respond
from oryx_serving.lambda_.forwarding import forward_body_lines, forward_line
from oryx_serving.lambda_.registry import CSV_JSON_TYPES, ApiBlueprint, Body, Param
from oryx_serving.lambda_.state import serving_state


def _model() -> ExampleServingModel:
    return cast(ExampleServingModel, require_model(serving_state()))


def distinct() -> Response:
    """Every word's count: ``word,count`` lines by default, a JSON object with ``Accept: application/json``."""
    return respond(_model().get_words())


def distinct_word(word: str) -> Response:
    count = _model().get_count(word)
    check(count is not None, "No such word")
    return respond(count)


def register(blueprint: ApiBlueprint) -> None:
    line = Param("line", "one input line: words separated by spaces", example="apple banana cherry")
    word = Param("word", "a word seen in the input", example="apple")
    blueprint.api_route(
        "/add/<path:line>",
        forward_line,
        "POST",
        summary="Sends one line to the input topic",
        params=[line],
        writes=True,
    )
    blueprint.api_route(
        "/add",
        forward_body_lines,
        "POST",
        summary="Sends every line of the body to the input topic",
        body=Body("input lines, one per line", example="apple banana\nbanana cherry"),
        writes=True,
    )
    blueprint.api_route(
        "/distinct",
        distinct,
        "GET",
        summary="Every word with its count of distinct other words",
        produces=CSV_JSON_TYPES,
        needs_model=True,
    )
    blueprint.api_route(
        "/distinct/<path:word>",
        distinct_word,
        "GET",
        summary="One word's count of distinct other words",
        params=[word],
        produces=CSV_JSON_TYPES,
        needs_model=True,
        errors={400: "No such word"},
    )
