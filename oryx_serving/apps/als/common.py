"""What every ALS endpoint shares: the model, Oryx 2's query parameters, path segments and paging.

Parameters keep Oryx 2's names and defaults: ``howMany`` (10, > 0), ``offset`` (0, >= 0, and
``howMany + offset`` <= 100000), ``considerKnownItems`` (false) and repeatable ``rescorerParams``. Path
segments like ``item=2.5`` carry a strength (1 when absent) for the fold-in endpoints.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import cast

import numpy as np
from flask import request

from oryx_core.apps.als.foldin import Solver
from oryx_serving.apps.als.model import ALSServingModel
from oryx_serving.lambda_.errors import check, fail, require_model
from oryx_serving.lambda_.formats import IDValue
from oryx_serving.lambda_.registry import Param
from oryx_serving.lambda_.state import serving_state

MAX_RESULTS = 100_000
"""Oryx 2's cap on ``howMany + offset``: deeper pages cost a full sort and are never what a user wants."""
NO_SOLVER_MESSAGE = "No solver available for model yet"

HOW_MANY = Param("howMany", "number of results, > 0", example="10", type="integer")
OFFSET = Param("offset", "results to skip, >= 0", example="0", type="integer")
CONSIDER_KNOWN = Param(
    "considerKnownItems", "true to allow items the user already knows", example="false", type="boolean"
)
RESCORER_PARAMS = Param("rescorerParams", "argument for the rescorer provider (repeatable)")
PAGING = (HOW_MANY, OFFSET)


def model() -> ALSServingModel:
    """The ALS model, or 503 until it has loaded ``min-model-load-fraction``."""
    return cast(ALSServingModel, require_model(serving_state()))


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        fail(400, f"{name} must be an integer, got {raw!r}")


def paging() -> tuple[int, int]:
    """(howMany, offset), validated as Oryx 2 does (400 otherwise)."""
    how_many = _int_arg("howMany", 10)
    offset = _int_arg("offset", 0)
    check(how_many > 0, f"howMany must be positive, got {how_many}")
    check(offset >= 0, f"offset must be non-negative, got {offset}")
    check(how_many + offset <= MAX_RESULTS, f"howMany + offset must be at most {MAX_RESULTS}")
    return how_many, offset


def consider_known_items() -> bool:
    raw = request.args.get("considerKnownItems", "false").strip().lower()
    check(raw in ("true", "false", ""), f"considerKnownItems must be true or false, got {raw!r}")
    return raw == "true"


def rescorer_params() -> list[str]:
    return request.args.getlist("rescorerParams")


def page(results: Sequence[tuple[str, float]], offset: int) -> list[IDValue]:
    return [IDValue(id_, value) for id_, value in results[offset:]]


def segments(path: str) -> list[str]:
    """The IDs of a ``<path:...>`` variable; empty segments (``a//b``) are ignored."""
    return [segment for segment in path.split("/") if segment]


def segments_with_values(path: str) -> list[tuple[str, float]]:
    """``id`` or ``id=strength`` segments as (id, strength); the strength defaults to 1 and must be finite."""
    parsed = []
    for segment in segments(path):
        id_, equals, raw = segment.partition("=")
        value = 1.0
        if equals:
            try:
                value = float(raw)
            except ValueError:
                fail(400, f"bad strength in path segment {segment!r}: {raw!r} is not a number")
            check(math.isfinite(value), f"bad strength in path segment {segment!r}: not finite")
        parsed.append((id_, value))
    return parsed


def solver(als: ALSServingModel) -> Solver:
    """The YᵀY solver for fold-in, or 503 while there is none (no items yet, or too few for the features)."""
    found = als.yty_solver()
    if found is None:
        fail(503, NO_SOLVER_MESSAGE)
    return found


def user_vector_or_404(als: ALSServingModel, user: str) -> np.ndarray:
    vector = als.user_vector(user)
    if vector is None:
        fail(404, user)
    return vector


def item_vector_or_404(als: ALSServingModel, item: str) -> np.ndarray:
    vector = als.item_vector(item)
    if vector is None:
        fail(404, item)
    return vector
