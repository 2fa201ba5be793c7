"""The word-count example's REST endpoints: ``/add`` writes input lines, ``/distinct`` reads counts."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Response

from oryx_serving.apps.example.model import ExampleServingModel
from oryx_serving.lambda_.errors import check, require_model
from oryx_serving.lambda_.formats import no_content, read_body_lines, respond
from oryx_serving.lambda_.input import send_input
from oryx_serving.lambda_.model_manager import serving_state


def _model() -> ExampleServingModel:
    return cast(ExampleServingModel, require_model(serving_state()))


def add_line(line: str) -> Response:
    send_input(serving_state(), [line])
    return no_content()


def add_lines() -> Response:
    send_input(serving_state(), read_body_lines())
    return no_content()


def distinct() -> Response:
    """Every word's count: ``word,count`` lines by default, a JSON object with ``Accept: application/json``."""
    return respond(_model().get_words())


def distinct_word(word: str) -> Response:
    count = _model().get_count(word)
    check(count is not None, "No such word")
    return respond(count)


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/add/<path:line>", view_func=add_line, methods=["POST"])
    blueprint.add_url_rule("/add", view_func=add_lines, methods=["POST"])
    blueprint.add_url_rule("/distinct", view_func=distinct, methods=["GET"])
    blueprint.add_url_rule("/distinct/<path:word>", view_func=distinct_word, methods=["GET"])
