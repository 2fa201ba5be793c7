"""``/recommend``, ``/recommendToMany``, ``/recommendToAnonymous``, ``/recommendWithContext``: items by dot product.

Each takes ``diversity`` (``diversity``: re-ranking by maximal marginal relevance) besides Oryx 2's parameters.

Known items are excluded inside the vectorised scan (not by over-fetching), so a heavy user's page is as cheap
as anyone's. The fold-in endpoints build a temporary user vector with the YᵀY solver and the speed layer's
math (``foldin.fold_in_anonymous``) and never change the model.
"""

from __future__ import annotations

import numpy as np
from flask import Response
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import PathConverter

from oryx_serving.apps.als import common, diversity
from oryx_serving.lambda_.errors import check, fail
from oryx_serving.lambda_.formats import respond
from oryx_serving.lambda_.registry import CSV_JSON_TYPES, ApiBlueprint, Param


def recommend(user_id: str) -> Response:
    how_many, offset = common.paging()
    consider_known = common.consider_known_items()
    als = common.model()
    vector = common.user_vector_or_404(als, user_id)
    exclude = frozenset() if consider_known else als.known_items_of(user_id)
    provider = als.rescorer_provider
    rescorer = None if provider is None else provider.get_recommend_rescorer([user_id], common.rescorer_params())
    return respond(common.page(diversity.top_items(als, vector, how_many + offset, exclude, rescorer), offset))


def recommend_to_many(user_ids: str) -> Response:
    """Ranks by the dot product with the users' mean vector (= the mean of their dot products)."""
    how_many, offset = common.paging()
    consider_known = common.consider_known_items()
    als = common.model()
    users = common.segments(user_ids)
    check(bool(users), "at least one user ID is required")
    vectors = [common.user_vector_or_404(als, user) for user in users]
    exclude: set[str] = set()
    if not consider_known:
        for user in users:
            exclude |= als.known_items_of(user)
    provider = als.rescorer_provider
    rescorer = None if provider is None else provider.get_recommend_rescorer(users, common.rescorer_params())
    query = np.zeros(als.features, dtype=np.float32)
    for vector in vectors:  # in float32, one user at a time, as Oryx 2's DotsFunction averages them
        query += vector
    query /= np.float32(len(vectors))
    return respond(common.page(diversity.top_items(als, query, how_many + offset, exclude, rescorer), offset))


def recommend_to_anonymous(items: str) -> Response:
    how_many, offset = common.paging()
    als = common.model()
    pairs = common.segments_with_values(items)
    check(bool(pairs), "at least one item ID is required")
    vector = als.fold_in(common.solver(als), pairs)
    item_ids = [item for item, _ in pairs]
    if vector is None:
        fail(400, f"none of the items {'/'.join(item_ids)} is known")
    provider = als.rescorer_provider
    rescorer = (
        None if provider is None else provider.get_recommend_to_anonymous_rescorer(item_ids, common.rescorer_params())
    )
    return respond(common.page(diversity.top_items(als, vector, how_many + offset, set(item_ids), rescorer), offset))


def recommend_with_context(user_id: str, items: str) -> Response:
    how_many, offset = common.paging()
    consider_known = common.consider_known_items()
    als = common.model()
    start = common.user_vector_or_404(als, user_id)
    pairs = common.segments_with_values(items)
    vector = als.fold_in(common.solver(als), pairs, start) if pairs else start
    assert vector is not None  # folding in starts from the user's vector, so there is always one
    exclude = {item for item, _ in pairs}
    if not consider_known:
        exclude |= als.known_items_of(user_id)
    provider = als.rescorer_provider
    rescorer = None if provider is None else provider.get_recommend_rescorer([user_id], common.rescorer_params())
    return respond(common.page(diversity.top_items(als, vector, how_many + offset, exclude, rescorer), offset))


class OptionalPathConverter(PathConverter):
    """A ``path`` that may be empty: Oryx 2 routes ``/recommendWithContext/{userID}/{itemID : .*}``, so
    ``/recommendWithContext/U0/`` (no context items) recommends for U0, while ``/recommendWithContext/U0`` is 404."""

    regex = ".*?"
    part_isolating = False  # werkzeug infers True from a regex without "/", which would stop at the first one


def _add_optional_path_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters.setdefault("optional_path", OptionalPathConverter)


def register(blueprint: ApiBlueprint) -> None:
    blueprint.record_once(_add_optional_path_converter)  # before the rules below are added to the app
    user = Param("user_id", "a user ID", example="u1")
    user_ids = Param("user_ids", "user IDs separated by /", example="u1/u2")
    items = Param("items", "item IDs separated by /, each optionally =strength", example="i1=2/i2")
    query = (*common.PAGING, common.CONSIDER_KNOWN, common.RESCORER_PARAMS, diversity.DIVERSITY)
    route = {"produces": CSV_JSON_TYPES, "needs_model": True}
    blueprint.api_route(
        "/recommend/<user_id>",
        recommend,
        "GET",
        summary="Items with the highest dot product with the user's vector, as item,score",
        params=[user],
        query=query,
        errors={404: "Unknown user (body: the ID)"},
        **route,
    )
    blueprint.api_route(
        "/recommendToMany/<path:user_ids>",
        recommend_to_many,
        "GET",
        summary="Items for a group of users: dot product with their mean vector, known items of all excluded",
        params=[user_ids],
        query=query,
        errors={404: "Unknown user (body: the ID)"},
        **route,
    )
    blueprint.api_route(
        "/recommendToAnonymous/<path:items>",
        recommend_to_anonymous,
        "GET",
        summary="Items for an anonymous user folded in from the given items (which are excluded)",
        params=[items],
        query=(*common.PAGING, common.RESCORER_PARAMS, diversity.DIVERSITY),
        errors={503: "No model yet, or no YᵀY solver yet"},
        **route,
    )
    blueprint.api_route(
        "/recommendWithContext/<user_id>/<optional_path:items>",
        recommend_with_context,
        "GET",
        summary="Items for the user with the given context items (none after the slash: the user's own) folded in",
        params=[user, items],
        query=query,
        errors={404: "Unknown user (body: the ID)", 503: "No model yet, or no YᵀY solver yet"},
        **route,
    )
