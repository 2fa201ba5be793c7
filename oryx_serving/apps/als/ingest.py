"""``POST|DELETE /pref/{user}/{item}`` and ``POST /ingest``: user interactions to the input topic.

Every line reaching the topic has Oryx 2's four fields ``user,item,strength,timestamp`` (an empty strength is
a delete), so the batch and speed layers never see the short forms. A whole ``/ingest`` request is checked
before anything is sent: one bad line gives 400 and no line of that request reaches the topic.
"""

from __future__ import annotations

import math
import time

import numpy as np
from flask import Response

from oryx_core.input.lines import BadLineError, join_csv, parse_line
from oryx_serving.lambda_.errors import check, fail
from oryx_serving.lambda_.formats import no_content, read_body_lines
from oryx_serving.lambda_.input import send_input
from oryx_serving.lambda_.model_manager import serving_state
from oryx_serving.lambda_.registry import ApiBlueprint, Body, Param

PREF_BODY_TYPES = ("text/plain", "text/csv", "application/json")


def now_ms() -> int:
    return int(time.time() * 1000)


def _finite_strength(text: str, what: str) -> float:
    try:
        value = float(text) if "_" not in text else math.nan  # Python-only digit separators are not numbers
    except ValueError:
        fail(400, f"bad strength {text!r} in {what}: not a number")
    check(math.isfinite(value), f"bad strength {text!r} in {what}: not a finite number")
    return value


def pref_post(user_id: str, item_id: str) -> Response:
    """The body's first line is the strength (1 when empty), written as a float like Oryx 2 (``2`` -> ``2.0``)."""
    lines = read_body_lines()
    raw = lines[0].strip() if lines else ""
    strength = 1.0 if raw == "" else _finite_strength(raw, "the request body")
    send_input(serving_state(), [join_csv([user_id, item_id, str(np.float32(strength)), str(now_ms())])])
    return no_content()


def pref_delete(user_id: str, item_id: str) -> Response:
    send_input(serving_state(), [join_csv([user_id, item_id, "", str(now_ms())])])
    return no_content()


def normalize_line(line: str, timestamp_ms: int) -> str:
    """``user,item[,strength[,timestamp]]`` (CSV or JSON array) as four CSV fields; 400 naming the line."""
    try:
        fields = parse_line(line)
    except BadLineError as error:
        fail(400, str(error))
    check(2 <= len(fields) <= 4, f"bad line {line!r}: expected user,item[,strength[,timestamp]]")
    user, item = fields[0], fields[1]
    check(bool(user) and bool(item), f"bad line {line!r}: user and item IDs must not be empty")
    strength = fields[2].strip() if len(fields) > 2 else "1"
    if strength:
        _finite_strength(strength, f"line {line!r}")
    timestamp = timestamp_ms
    if len(fields) == 4:
        raw = fields[3].strip()
        try:
            timestamp = int(raw) if "_" not in raw else 0
        except ValueError:
            fail(400, f"bad timestamp {raw!r} in line {line!r}: not an integer (epoch milliseconds)")
        check(timestamp > 0, f"bad timestamp {raw!r} in line {line!r}: must be positive")
    return join_csv([user, item, strength, str(timestamp)])


def ingest() -> Response:
    timestamp = now_ms()
    lines = [normalize_line(line, timestamp) for line in read_body_lines()]
    send_input(serving_state(), lines)
    return no_content()


def register(blueprint: ApiBlueprint) -> None:
    params = [Param("user_id", "a user ID", example="u1"), Param("item_id", "an item ID", example="i1")]
    blueprint.api_route(
        "/pref/<user_id>/<item_id>",
        pref_post,
        "POST",
        summary="Records that the user interacted with the item (body: strength, default 1)",
        params=params,
        body=Body("the strength, a number (empty means 1)", PREF_BODY_TYPES, example="1"),
        writes=True,
    )
    blueprint.api_route(
        "/pref/<user_id>/<item_id>",
        pref_delete,
        "DELETE",
        summary="Deletes the user's interaction with the item",
        params=params,
        writes=True,
    )
    blueprint.api_route(
        "/ingest",
        ingest,
        "POST",
        summary="Sends user,item[,strength[,timestamp]] lines to the input topic (compressed or multipart too)",
        body=Body("lines user,item[,strength[,timestamp]]", example="u1,i1,1\nu2,i2,3,1700000000000"),
        writes=True,
    )
