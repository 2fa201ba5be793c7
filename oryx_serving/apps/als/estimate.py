"""``/estimate`` and ``/estimateForAnonymous``: the model's predicted strength for user-item pairs.

Estimates are dot products; an explicit model's are clipped to the range of its training ratings.
"""

from __future__ import annotations

from flask import Response

from oryx_serving.apps.als import common
from oryx_serving.lambda_.formats import respond
from oryx_serving.lambda_.registry import CSV_JSON_TYPES, ApiBlueprint, Param


def estimate(user_id: str, items: str) -> Response:
    """Dot products in request order; unknown items give 0."""
    als = common.model()
    user = common.user_vector_or_404(als, user_id)
    vectors = als.item_vectors(common.segments(items))
    return respond([0.0 if vector is None else als.estimate(user, vector) for vector in vectors])


def estimate_for_anonymous(to_item: str, items: str) -> Response:
    """The anonymous user folded in from the given items, dotted with the target item; 0 if nothing folded in."""
    als = common.model()
    target = common.item_vector_or_404(als, to_item)
    pairs = common.segments_with_values(items)
    vector = als.fold_in(common.solver(als), pairs)
    return respond(0.0 if vector is None else als.estimate(vector, target))


def register(blueprint: ApiBlueprint) -> None:
    route = {"produces": CSV_JSON_TYPES, "needs_model": True}
    blueprint.api_route(
        "/estimate/<user_id>/<path:items>",
        estimate,
        "GET",
        summary="The user's estimated strength (dot product) for each item, in request order (0 if unknown)",
        params=[
            Param("user_id", "a user ID", example="u1"),
            Param("items", "item IDs separated by /", example="i1/i2"),
        ],
        errors={404: "Unknown user (body: the ID)"},
        **route,
    )
    blueprint.api_route(
        "/estimateForAnonymous/<to_item>/<path:items>",
        estimate_for_anonymous,
        "GET",
        summary="Estimated strength for an item of an anonymous user folded in from the given items",
        params=[
            Param("to_item", "the item to estimate", example="i1"),
            Param("items", "item IDs separated by /, each optionally =strength", example="i2=2/i3"),
        ],
        errors={404: "Unknown item (body: the ID)", 503: "No model yet, or no YᵀY solver yet"},
        **route,
    )
