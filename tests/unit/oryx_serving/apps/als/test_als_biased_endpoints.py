"""The ALS REST API over an explicit model with biases (vectors ``[x, mu + b_u, 1]`` and ``[y, 1, b_i]``).

Global mean 3, ratings 1-5. Items (factors; bias): a (1, 0; +1), b (1, 0; -1), c (0, 1; 0), d (-1, 0; +0.5).
Users (factors; bias): u1 (1, 0; +0.5) knows nothing; u2 (0, 2; -0.5). So u1's estimates are a 1+3+0.5+1 = 5.5
(clipped to 5), b 3.5, c 3.5, d 3.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient

from oryx_core.apps.als.messages import format_x_update, format_y_update
from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml
from oryx_core.ml.pmml import write_pmml

ALS = [
    "oryx.serving.model-manager-class=com.cloudera.oryx.app.serving.als.model.ALSServingModelManager",
    "oryx.serving.application-resources=com.cloudera.oryx.app.serving.als",
]
MU = 3.0
ITEMS = {"a": (1.0, 0.0, 1.0, 1.0), "b": (1.0, 0.0, 1.0, -1.0), "c": (0.0, 1.0, 1.0, 0.0), "d": (-1.0, 0.0, 1.0, 0.5)}
USERS = {"u1": (1.0, 0.0, MU + 0.5, 1.0), "u2": (0.0, 2.0, MU - 0.5, 1.0)}
JSON = {"Accept": "application/json"}


@pytest.fixture
def client(
    make_app: Callable[..., Flask], publish: Callable[[str, str], None], caught_up: Callable[[Flask], None]
) -> FlaskClient:
    app = make_app(*ALS)
    description = ALSModelDescription(
        4,
        implicit=False,
        x_ids=tuple(USERS),
        y_ids=tuple(ITEMS),
        biased=True,
        global_mean=MU,
        rating_range=(1.0, 5.0),
    )
    publish("MODEL", write_pmml(build_als_pmml(description)))
    for item, vector in ITEMS.items():
        publish("UP", format_y_update(item, np.array(vector)))
    for user, vector in USERS.items():
        publish("UP", format_x_update(user, np.array(vector)))
    caught_up(app)
    return app.test_client()


def get_json(client: FlaskClient, path: str) -> object:
    response = client.get(path, headers=JSON)
    assert response.status_code == 200, response.text
    return response.get_json()


def test_estimates_add_mean_and_biases_and_clip_to_the_rating_range(client: FlaskClient) -> None:
    assert get_json(client, "/estimate/u1/a/b/c/d/unknown") == pytest.approx([5.0, 3.5, 3.5, 3.0, 0.0])


def test_recommend_ranks_by_factors_plus_item_bias(client: FlaskClient) -> None:
    ranked = get_json(client, "/recommend/u1")
    assert [pair["id"] for pair in ranked] == ["a", "b", "c", "d"]  # b and c tie at 3.5: insertion order
    assert ranked[0]["value"] == pytest.approx(5.5)  # a ranking score, the raw dot product


def test_similarity_compares_factors_not_biases(client: FlaskClient) -> None:
    # a and b have the same factors and opposite biases: perfectly similar; d points the other way.
    similar = get_json(client, "/similarity/a")
    assert [pair["id"] for pair in similar] == ["b", "c", "d"]
    assert [pair["value"] for pair in similar] == pytest.approx([1.0, 0.0, -1.0])
    assert get_json(client, "/similarityToItem/a/b/d") == pytest.approx([1.0, -1.0])


def test_popular_representative_items_name_one_item_per_latent_factor(client: FlaskClient) -> None:
    assert get_json(client, "/popularRepresentativeItems") == ["a", "c"]


def test_an_anonymous_user_starts_at_the_global_mean(client: FlaskClient) -> None:
    # Folding in a rating of exactly the prior's estimate for c (3 + 0) changes nothing: the estimate stays 3.
    assert get_json(client, "/estimateForAnonymous/c/c=3") == pytest.approx(3.0, abs=1e-6)
    # A 5 for a raises the anonymous user's estimate for a (was 3 + 1 = 4), and for b, which shares its factors.
    assert get_json(client, "/estimateForAnonymous/a/a=5") > 4.0
    assert get_json(client, "/estimateForAnonymous/b/a=5") > 2.0
