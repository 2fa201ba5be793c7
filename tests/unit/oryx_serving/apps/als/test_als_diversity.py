"""``diversity`` on /recommend* and /similarity: maximal marginal relevance over the top candidates.

Items: a1 (1, 0.02), a2 (1, 0), a3 (0.98, 0.03) are near-copies; b1 (0.5, 0.8) points elsewhere; c1 (-0.2, 1)
further still. User u (1, 0.3) knows nothing: by score a1 1.006, a2 1.0, a3 0.989, b1 0.74, c1 0.1.
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
from oryx_serving.apps.als.diversity import rerank

ALS = [
    "oryx.serving.model-manager-class=com.cloudera.oryx.app.serving.als.model.ALSServingModelManager",
    "oryx.serving.application-resources=com.cloudera.oryx.app.serving.als",
]
ITEMS = {"a1": (1.0, 0.02), "a2": (1.0, 0.0), "a3": (0.98, 0.03), "b1": (0.5, 0.8), "c1": (-0.2, 1.0)}
USER = (1.0, 0.3)
JSON = {"Accept": "application/json"}


@pytest.fixture(params=[[], ["oryx.als.ann.enabled=true"]], ids=["scan", "ann"])
def client(
    request: pytest.FixtureRequest,
    make_app: Callable[..., Flask],
    publish: Callable[[str, str], None],
    caught_up: Callable[[Flask], None],
) -> FlaskClient:
    app = make_app(*ALS, *request.param)
    description = ALSModelDescription(features=2, implicit=True, x_ids=("u",), y_ids=tuple(ITEMS))
    publish("MODEL", write_pmml(build_als_pmml(description)))
    for item, vector in ITEMS.items():
        publish("UP", format_y_update(item, np.array(vector)))
    publish("UP", format_x_update("u", np.array(USER)))
    caught_up(app)
    ann = app.extensions["oryx"].model_manager.get_model().ann
    assert ann is None or ann.caught_up(30)
    return app.test_client()


def ranked(client: FlaskClient, path: str) -> list[tuple[str, float]]:
    response = client.get(path, headers=JSON)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [(entry["id"], entry["value"]) for entry in response.get_json()]


def test_no_diversity_or_zero_is_the_plain_ranking(client: FlaskClient) -> None:
    plain = ranked(client, "/recommend/u?howMany=3")
    assert [id_ for id_, _ in plain] == ["a1", "a2", "a3"]
    assert ranked(client, "/recommend/u?howMany=3&diversity=0") == plain


def test_some_diversity_lets_a_different_item_past_the_near_copies_with_its_own_score(client: FlaskClient) -> None:
    assert [id_ for id_, _ in ranked(client, "/recommend/u?howMany=3&diversity=0.3")] == ["a1", "a2", "a3"]
    answer = ranked(client, "/recommend/u?howMany=3&diversity=0.45")
    assert [id_ for id_, _ in answer] == ["a1", "b1", "a2"]
    assert dict(answer)["b1"] == pytest.approx(0.5 * 1.0 + 0.8 * 0.3)


def test_full_diversity_takes_the_best_then_the_least_alike(client: FlaskClient) -> None:
    assert [id_ for id_, _ in ranked(client, "/recommend/u?howMany=2&diversity=1")] == ["a1", "c1"]


def test_offset_pages_through_the_reranked_list(client: FlaskClient) -> None:
    whole = ranked(client, "/recommend/u?howMany=4&diversity=0.6")
    assert [id_ for id_, _ in whole] == ["a1", "c1", "b1", "a2"]
    assert ranked(client, "/recommend/u?howMany=2&offset=2&diversity=0.6") == whole[2:4]


def test_pages_within_the_first_fifty_results_come_from_one_pool(client: FlaskClient) -> None:
    pages = [ranked(client, f"/recommend/u?howMany=1&offset={offset}&diversity=0.6") for offset in range(5)]
    assert [page[0][0] for page in pages] == ["a1", "c1", "b1", "a2", "a3"]


def test_similarity_and_the_other_recommend_endpoints_take_it(client: FlaskClient) -> None:
    assert [id_ for id_, _ in ranked(client, "/similarity/a2?howMany=2")] == ["a1", "a3"]
    assert [id_ for id_, _ in ranked(client, "/similarity/a2?howMany=2&diversity=1")][1] == "c1"
    assert [id_ for id_, _ in ranked(client, "/recommendToMany/u?howMany=2&diversity=1")] == ["a1", "c1"]
    assert [id_ for id_, _ in ranked(client, "/recommendWithContext/u/?howMany=2&diversity=1")] == ["a1", "c1"]
    plain = [id_ for id_, _ in ranked(client, "/recommendToAnonymous/a1?howMany=4")]
    diverse = [id_ for id_, _ in ranked(client, "/recommendToAnonymous/a1?howMany=4&diversity=1")]
    assert "a1" not in diverse and sorted(diverse) == sorted(plain) and diverse[0] == plain[0]
    assert diverse[1] == "c1" and plain[1] != "c1"  # the folded-in user leans to a1's kind: c1 is least alike


@pytest.mark.parametrize("value", ["x", "-0.1", "1.5", "nan", "inf", "0x1"])
def test_a_diversity_outside_zero_to_one_is_a_400_naming_it(client: FlaskClient, value: str) -> None:
    response = client.get(f"/recommend/u?diversity={value}")
    assert response.status_code == 400
    assert "diversity must be a number in [0, 1]" in response.get_data(as_text=True)


def test_diverse_pages_are_capped_where_plain_ones_are_not(client: FlaskClient) -> None:
    assert client.get("/recommend/u?howMany=1001").status_code == 200
    response = client.get("/recommend/u?howMany=1001&diversity=0.2")
    assert response.status_code == 400 and "at most 1000 with diversity" in response.get_data(as_text=True)


def test_rerank_breaks_ties_by_score_and_treats_a_zero_vector_as_unlike_anything() -> None:
    pool = [("x", 3.0), ("y", 2.0), ("zero", 1.0), ("y2", 1.0)]
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0], [0.0, 1.0]])
    assert [id_ for id_, _ in rerank(pool, vectors, 4, 0.0)] == ["x", "y", "zero", "y2"]
    assert [id_ for id_, _ in rerank(pool, vectors, 4, 1.0)] == ["x", "y", "zero", "y2"]  # y ties zero at 0: score wins
    assert [id_ for id_, _ in rerank(pool, vectors, 3, 0.6)] == ["x", "y", "zero"]
    assert rerank([], np.zeros((0, 2)), 3, 0.5) == []
