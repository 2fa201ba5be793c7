"""``/mostPopularItems``, ``/mostActiveUsers``, ``/popularRepresentativeItems``, ``/knownItems``, ``/*/allIDs``.

Popularity comes from the known items (Oryx 2's definition), so with ``oryx.als.no-known-items`` it is empty.
Lists of IDs are sorted, and equal counts are ordered by ID, so answers are stable between calls.
"""

from __future__ import annotations

from collections import Counter

from flask import Response

from oryx_core.apps.als.rescorer import Rescorer
from oryx_serving.apps.als import common
from oryx_serving.lambda_.formats import IDCount, respond
from oryx_serving.lambda_.registry import CSV_JSON_TYPES, ApiBlueprint, Param


def _top_counts(counts: Counter[str], rescorer: Rescorer | None, how_many: int, offset: int) -> list[IDCount]:
    """Descending count, then ascending ID; the rescorer can only filter, as in Oryx 2."""
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    kept = [IDCount(id_, count) for id_, count in ranked if rescorer is None or not rescorer.is_filtered(id_)]
    return kept[offset : offset + how_many]


def most_popular_items() -> Response:
    how_many, offset = common.paging()
    als = common.model()
    provider = als.rescorer_provider
    rescorer = None if provider is None else provider.get_most_popular_items_rescorer(common.rescorer_params())
    return respond(_top_counts(als.item_counts(), rescorer, how_many, offset))


def most_active_users() -> Response:
    how_many, offset = common.paging()
    als = common.model()
    provider = als.rescorer_provider
    rescorer = None if provider is None else provider.get_most_active_users_rescorer(common.rescorer_params())
    return respond(_top_counts(als.user_counts(), rescorer, how_many, offset))


def popular_representative_items() -> Response:
    return respond(common.model().popular_representative_items())


def known_items(user_id: str) -> Response:
    return respond(sorted(common.model().known_items_of(user_id)))


def all_item_ids() -> Response:
    return respond(sorted(common.model().item_ids()))


def all_user_ids() -> Response:
    return respond(sorted(common.model().user_ids()))


def register(blueprint: ApiBlueprint) -> None:
    route = {"produces": CSV_JSON_TYPES, "needs_model": True}
    counted = (*common.PAGING, common.RESCORER_PARAMS)
    blueprint.api_route(
        "/mostPopularItems",
        most_popular_items,
        "GET",
        summary="Items known by the most users, as item,count",
        query=counted,
        **route,
    )
    blueprint.api_route(
        "/mostActiveUsers",
        most_active_users,
        "GET",
        summary="Users with the most known items, as user,count",
        query=counted,
        **route,
    )
    blueprint.api_route(
        "/popularRepresentativeItems",
        popular_representative_items,
        "GET",
        summary="For each latent feature, the item with the largest value of it",
        **route,
    )
    blueprint.api_route(
        "/knownItems/<user_id>",
        known_items,
        "GET",
        summary="Items the user has interacted with (empty for an unknown user)",
        params=[Param("user_id", "a user ID", example="u1")],
        **route,
    )
    blueprint.api_route("/item/allIDs", all_item_ids, "GET", summary="Every item ID", **route)
    blueprint.api_route("/user/allIDs", all_user_ids, "GET", summary="Every user ID", **route)
