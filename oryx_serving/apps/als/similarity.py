"""``/similarity``, ``/similarityToItem``, ``/because``, ``/mostSurprising``: item-to-item answers.

``/similarity`` scores each item by its cosine similarity to the mean of the given items' vectors, as Oryx 2's
``CosineAverageFunction`` does: the mean is normalised to a 32-bit unit vector and every cosine is taken
against it (with one item, the plain cosine). That is not the mean of the items' cosines: Oryx 2's own
``SimilarityTest`` ranks I5 above I1 for I0/I4/I6, which the mean of cosines would not. Cosines compare the
latent factors only: a biased model's bias coordinates say how liked an item is, not what it is like.
"""

from __future__ import annotations

import numpy as np
from flask import Response

from oryx_core.apps.als.vector_math import cosine_similarity
from oryx_serving.apps.als import common, diversity
from oryx_serving.apps.als.model import ALSServingModel
from oryx_serving.lambda_.errors import check
from oryx_serving.lambda_.formats import respond
from oryx_serving.lambda_.registry import CSV_JSON_TYPES, ApiBlueprint, Param


def similarity(items: str) -> Response:
    """Items by cosine similarity to the direction of the given items' summed vectors (given items excluded)."""
    how_many, offset = common.paging()
    als = common.model()
    item_ids = common.segments(items)
    check(bool(item_ids), "at least one item ID is required")
    vectors = [als.layout.factor_part(common.item_vector_or_404(als, item)) for item in item_ids]
    provider = als.rescorer_provider
    rescorer = None if provider is None else provider.get_most_similar_items_rescorer(common.rescorer_params())
    direction = np.sum(np.asarray(vectors, dtype=np.float64), axis=0) / len(vectors)
    norm = float(np.linalg.norm(direction))
    if norm == 0.0:  # the given items cancel out (or are zero vectors): no direction, so nothing is similar
        return respond([])
    target = np.zeros(als.features, dtype=np.float32)
    target[: als.layout.factors] = (direction / norm).astype(np.float32)
    results = diversity.top_items(als, target, how_many + offset, set(item_ids), rescorer, cosine=True)
    return respond(common.page(results, offset))


def similarity_to_item(to_item: str, items: str) -> Response:
    """Cosine similarities in request order; unknown items give 0."""
    als = common.model()
    target = als.layout.factor_part(common.item_vector_or_404(als, to_item))
    others = als.item_vectors(common.segments(items))
    return respond(
        [0.0 if other is None else cosine_similarity(target, als.layout.factor_part(other)) for other in others]
    )


def _known_item_vectors(als: ALSServingModel, user_id: str) -> tuple[list[str], np.ndarray]:
    known = sorted(als.known_items_of(user_id))
    vectors = als.item_vectors(known)
    present = [(item, vector) for item, vector in zip(known, vectors, strict=True) if vector is not None]
    matrix = np.asarray([vector for _, vector in present], dtype=np.float64).reshape(len(present), als.features)
    return [item for item, _ in present], matrix


def because(user_id: str, item_id: str) -> Response:
    """The user's known items ranked by cosine similarity to the item: why it was recommended."""
    how_many, offset = common.paging()
    als = common.model()
    target = als.layout.factor_part(common.item_vector_or_404(als, item_id))
    ids, matrix = _known_item_vectors(als, user_id)
    scores = [cosine_similarity(target, row) for row in als.layout.factor_part(matrix)]
    ranked = sorted(zip(ids, scores, strict=True), key=lambda pair: -pair[1])
    return respond(common.page(ranked[: how_many + offset], offset))


def most_surprising(user_id: str) -> Response:
    """The user's known items by ascending dot product with the user's vector: the least expected first."""
    how_many, offset = common.paging()
    als = common.model()
    vector = common.user_vector_or_404(als, user_id).astype(np.float64)
    ids, matrix = _known_item_vectors(als, user_id)
    scores = (matrix @ vector).tolist()
    ranked = sorted(zip(ids, scores, strict=True), key=lambda pair: pair[1])
    return respond(common.page(ranked[: how_many + offset], offset))


def register(blueprint: ApiBlueprint) -> None:
    items = Param("items", "item IDs separated by /", example="i1/i2")
    route = {"produces": CSV_JSON_TYPES, "needs_model": True}
    unknown_item = {404: "Unknown item (body: the ID)"}
    blueprint.api_route(
        "/similarity/<path:items>",
        similarity,
        "GET",
        summary="Items most similar (cosine to the given items' mean vector) to the given items, which are excluded",
        params=[items],
        query=(*common.PAGING, common.RESCORER_PARAMS, diversity.DIVERSITY),
        errors=unknown_item,
        **route,
    )
    blueprint.api_route(
        "/similarityToItem/<to_item>/<path:items>",
        similarity_to_item,
        "GET",
        summary="Cosine similarity of each given item to one item, in request order (0 for unknown items)",
        params=[Param("to_item", "the item compared with", example="i1"), items],
        errors=unknown_item,
        **route,
    )
    blueprint.api_route(
        "/because/<user_id>/<item_id>",
        because,
        "GET",
        summary="The user's known items most similar to the item: why it was recommended",
        params=[Param("user_id", "a user ID", example="u1"), Param("item_id", "an item ID", example="i1")],
        query=common.PAGING,
        errors=unknown_item,
        **route,
    )
    blueprint.api_route(
        "/mostSurprising/<user_id>",
        most_surprising,
        "GET",
        summary="The user's known items the model expects least (ascending dot product)",
        params=[Param("user_id", "a user ID", example="u1")],
        query=common.PAGING,
        errors={404: "Unknown user (body: the ID)"},
        **route,
    )
