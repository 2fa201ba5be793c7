"""The ALS REST API over a hand-checkable 2-feature model fed through the in-memory update topic.

Items: i1 (1,0), i2 (0,1), i3 (1,1), i4 (-1,0), i5 (0.5,0.5). Users: u1 (1,0.5) knows i1; u2 (0,1) knows
i2 and i3; u3 (2,2) knows nothing. So u1's dot products are i1 1, i2 0.5, i3 1.5, i4 -1, i5 0.75.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient

from oryx_core.apps.als.foldin import Solver, fold_in_anonymous
from oryx_core.apps.als.messages import format_x_update, format_y_update
from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml
from oryx_core.apps.als.rescorer import RescorerProvider
from oryx_core.ml.pmml import write_pmml

ALS = [
    "oryx.serving.model-manager-class=com.cloudera.oryx.app.serving.als.model.ALSServingModelManager",
    "oryx.serving.application-resources=com.cloudera.oryx.app.serving.als",
]
ITEMS = {"i1": (1.0, 0.0), "i2": (0.0, 1.0), "i3": (1.0, 1.0), "i4": (-1.0, 0.0), "i5": (0.5, 0.5)}
USERS = {"u1": ((1.0, 0.5), ["i1"]), "u2": ((0.0, 1.0), ["i2", "i3"]), "u3": ((2.0, 2.0), [])}
JSON = {"Accept": "application/json"}


class EvenItemsOnly(RescorerProvider):
    """Filters i1 and i3, and doubles i2's score; for /recommend, /similarity and /mostPopularItems."""

    class _Rescorer:
        def __init__(self, args: Sequence[str]) -> None:
            self.factor = float(args[0]) if args else 2.0

        def is_filtered(self, id_: str) -> bool:
            return id_ in ("i1", "i3")

        def rescore(self, id_: str, score: float) -> float:
            return math.nan if id_ == "i4" else score * (self.factor if id_ == "i2" else 1.0)

    def get_recommend_rescorer(self, user_ids: Sequence[str], args: Sequence[str]) -> _Rescorer:
        return self._Rescorer(args)

    def get_most_similar_items_rescorer(self, args: Sequence[str]) -> _Rescorer:
        return self._Rescorer(args)

    def get_most_popular_items_rescorer(self, args: Sequence[str]) -> _Rescorer:
        return self._Rescorer(args)


def model_message(features: int = 2) -> str:
    description = ALSModelDescription(features=features, implicit=True, x_ids=tuple(USERS), y_ids=tuple(ITEMS))
    return write_pmml(build_als_pmml(description))


@pytest.fixture
def load_model(publish: Callable[[str, str], None], caught_up: Callable[[Flask], None]) -> Callable[[Flask], None]:
    def load(app: Flask) -> None:
        publish("MODEL", model_message())
        for item, vector in ITEMS.items():
            publish("UP", format_y_update(item, np.array(vector)))
        for user, (vector, known) in USERS.items():
            publish("UP", format_x_update(user, np.array(vector), known))
        caught_up(app)
        ann = app.extensions["oryx"].model_manager.get_model().ann
        assert ann is None or ann.caught_up(30)  # answers come from the graph only once it has every item

    return load


@pytest.fixture(params=[[], ["oryx.als.ann.enabled=true"]], ids=["scan", "ann"])
def als_client(
    request: pytest.FixtureRequest, make_app: Callable[..., Flask], load_model: Callable[[Flask], None]
) -> Callable[..., FlaskClient]:
    """Every test runs twice: scanning the items (Oryx 2) and through the HNSW graph (``oryx.als.ann``)."""

    def build(*overrides: str) -> FlaskClient:
        app = make_app(*ALS, *request.param, *overrides)
        load_model(app)
        return app.test_client()

    return build


@pytest.fixture
def client(als_client: Callable[..., FlaskClient]) -> FlaskClient:
    return als_client()


@pytest.fixture
def rescored_client(als_client: Callable[..., FlaskClient]) -> FlaskClient:
    return als_client(f"oryx.als.rescorer-provider-class={__name__}.EvenItemsOnly")


def id_values(client: FlaskClient, path: str) -> list[tuple[str, float]]:
    response = client.get(path, headers=JSON)
    assert response.status_code == 200, response.text
    return [(pair["id"], pair["value"]) for pair in response.get_json()]


def yty() -> np.ndarray:
    matrix = np.array(list(ITEMS.values()), dtype=np.float64)
    return matrix.T @ matrix


def approx(pairs: list[tuple[str, float]]) -> list[tuple[str, object]]:
    return [(id_, pytest.approx(value, rel=1e-5)) for id_, value in pairs]


# ---- recommend --------------------------------------------------------------------------------------------


def test_recommend_is_dot_products_without_known_items_as_csv(client: FlaskClient) -> None:
    response = client.get("/recommend/u1")
    assert (response.status_code, response.mimetype) == (200, "text/plain")
    assert response.text == "i3,1.5\ni5,0.75\ni2,0.5\ni4,-1.0\n"


def test_recommend_json_honours_how_many_and_offset(client: FlaskClient) -> None:
    assert id_values(client, "/recommend/u1?howMany=2&offset=1") == [("i5", 0.75), ("i2", 0.5)]


def test_recommend_considering_known_items_includes_them(client: FlaskClient) -> None:
    assert [id_ for id_, _ in id_values(client, "/recommend/u1?considerKnownItems=true")][:2] == ["i3", "i1"]


def test_recommend_unknown_user_is_404_with_the_id(client: FlaskClient) -> None:
    response = client.get("/recommend/nobody")
    assert (response.status_code, response.text) == (404, "nobody")


@pytest.mark.parametrize(
    "query",
    ["howMany=0", "howMany=-1", "offset=-1", "howMany=99999&offset=2", "howMany=x", "considerKnownItems=maybe"],
)
def test_recommend_bad_paging_is_400(client: FlaskClient, query: str) -> None:
    assert client.get(f"/recommend/u1?{query}").status_code == 400


def test_recommend_uses_the_configured_rescorer_with_its_params(rescored_client: FlaskClient) -> None:
    # i1, i3 filtered; i4 rescored to NaN (dropped); i2 0.5 * 3; i5 unchanged.
    assert id_values(rescored_client, "/recommend/u3?rescorerParams=3") == [("i2", 6.0), ("i5", 2.0)]


def test_recommend_to_many_ranks_by_the_mean_user_vector_excluding_all_known(client: FlaskClient) -> None:
    # mean of u1 and u3 = (1.5, 1.25); u1 knows i1, u3 nothing.
    assert id_values(client, "/recommendToMany/u1/u3") == approx(
        [("i3", 2.75), ("i5", 1.375), ("i2", 1.25), ("i4", -1.5)]
    )


def test_recommend_to_many_with_an_unknown_user_is_404(client: FlaskClient) -> None:
    response = client.get("/recommendToMany/u1/ghost")
    assert (response.status_code, response.text) == (404, "ghost")


def test_recommend_to_anonymous_folds_in_the_items_and_excludes_them(client: FlaskClient) -> None:
    solver = Solver(yty())
    xu = fold_in_anonymous(solver, [(np.array(ITEMS["i1"]), 2.0), (np.array(ITEMS["i2"]), 1.0)], implicit=True)
    assert xu is not None
    expected = sorted(
        ((item, float(np.dot(xu, vector))) for item, vector in ITEMS.items() if item not in ("i1", "i2")),
        key=lambda pair: -pair[1],
    )
    assert id_values(client, "/recommendToAnonymous/i1=2/i2") == approx(expected)


def test_recommend_to_anonymous_with_no_known_item_is_400(client: FlaskClient) -> None:
    assert client.get("/recommendToAnonymous/ghost").status_code == 400


def test_recommend_to_anonymous_with_a_bad_strength_is_400(client: FlaskClient) -> None:
    assert client.get("/recommendToAnonymous/i1=abc").status_code == 400


def test_recommend_with_context_folds_into_the_user_vector(client: FlaskClient) -> None:
    xu = fold_in_anonymous(Solver(yty()), [(np.array(ITEMS["i5"]), 1.0)], True, np.array(USERS["u1"][0]))
    assert xu is not None
    excluded = {"i1", "i5"}
    expected = sorted(
        ((item, float(np.dot(xu, vector))) for item, vector in ITEMS.items() if item not in excluded),
        key=lambda pair: -pair[1],
    )
    assert id_values(client, "/recommendWithContext/u1/i5") == approx(expected)


def test_recommend_with_context_for_an_unknown_user_is_404(client: FlaskClient) -> None:
    assert client.get("/recommendWithContext/ghost/i1").status_code == 404


# ---- similarity, estimates -------------------------------------------------------------------------------


def test_similarity_to_one_item_is_cosine_excluding_it(client: FlaskClient) -> None:
    assert id_values(client, "/similarity/i1") == approx(
        [("i3", math.sqrt(0.5)), ("i5", math.sqrt(0.5)), ("i2", 0.0), ("i4", -1.0)]
    )


def test_similarity_to_several_items_is_the_cosine_to_their_mean_vector(client: FlaskClient) -> None:
    # Oryx 2's CosineAverageFunction: the mean of i1 and i2 is (0.5, 0.5), the direction of i3 and i5 (cosine 1,
    # where the mean of their cosines would be 0.7071) and opposite to i4's half (cosine -0.7071, not -0.5).
    assert id_values(client, "/similarity/i1/i2") == approx([("i3", 1.0), ("i5", 1.0), ("i4", -math.sqrt(0.5))])


def test_similarity_rescorer_sees_and_changes_cosines(rescored_client: FlaskClient) -> None:
    assert id_values(rescored_client, "/similarity/i5") == approx([("i2", 2 * math.sqrt(0.5))])


def test_similarity_with_an_unknown_item_is_404(client: FlaskClient) -> None:
    assert client.get("/similarity/i1/ghost").text == "ghost"


def test_similarity_to_item_lists_cosines_in_request_order_with_0_for_unknown(client: FlaskClient) -> None:
    response = client.get("/similarityToItem/i1/i3/ghost/i4", headers=JSON)
    assert response.get_json() == pytest.approx([math.sqrt(0.5), 0.0, -1.0])
    assert client.get("/similarityToItem/ghost/i1").status_code == 404


def test_estimate_is_dot_products_in_request_order(client: FlaskClient) -> None:
    assert client.get("/estimate/u1/i3/ghost/i4").text == "1.5\n0.0\n-1.0\n"
    assert client.get("/estimate/ghost/i1").status_code == 404


def test_estimate_for_anonymous_is_the_folded_vector_dot_the_item(client: FlaskClient) -> None:
    xu = fold_in_anonymous(Solver(yty()), [(np.array(ITEMS["i2"]), 3.0)], implicit=True)
    assert xu is not None
    response = client.get("/estimateForAnonymous/i3/i2=3", headers=JSON)
    assert response.get_json() == pytest.approx(float(np.dot(xu, ITEMS["i3"])))
    assert client.get("/estimateForAnonymous/i3/ghost").text == "0.0"
    assert client.get("/estimateForAnonymous/ghost/i1").status_code == 404


def test_because_ranks_known_items_by_cosine_to_the_item(client: FlaskClient) -> None:
    assert id_values(client, "/because/u2/i5") == approx([("i3", 1.0), ("i2", math.sqrt(0.5))])
    assert id_values(client, "/because/u3/i5") == []
    assert client.get("/because/u2/ghost").status_code == 404


def test_most_surprising_orders_known_items_by_ascending_dot(client: FlaskClient) -> None:
    assert id_values(client, "/mostSurprising/u2") == [("i2", 1.0), ("i3", 1.0)]
    assert id_values(client, "/mostSurprising/u1?howMany=1") == [("i1", 1.0)]
    assert client.get("/mostSurprising/ghost").status_code == 404


# ---- popularity, IDs ---------------------------------------------------------------------------------------


def test_popular_representative_items_is_the_argmax_of_each_feature(client: FlaskClient) -> None:
    assert client.get("/popularRepresentativeItems", headers=JSON).get_json() == ["i1", "i2"]


def test_most_popular_items_and_most_active_users_count_known_items(client: FlaskClient) -> None:
    counts = client.get("/mostPopularItems", headers=JSON).get_json()
    assert counts == [{"id": "i1", "count": 1}, {"id": "i2", "count": 1}, {"id": "i3", "count": 1}]
    assert client.get("/mostActiveUsers").text == "u2,2\nu1,1\n"


def test_most_popular_items_rescorer_only_filters(rescored_client: FlaskClient) -> None:
    assert rescored_client.get("/mostPopularItems").text == "i2,1\n"


def test_known_items_and_all_ids(client: FlaskClient) -> None:
    assert client.get("/knownItems/u2").text == "i2\ni3\n"
    assert client.get("/knownItems/ghost", headers=JSON).get_json() == []
    assert client.get("/item/allIDs", headers=JSON).get_json() == ["i1", "i2", "i3", "i4", "i5"]
    assert client.get("/user/allIDs").text == "u1\nu2\nu3\n"


# ---- before a model, console --------------------------------------------------------------------------------


def test_endpoints_are_503_before_any_model(make_app: Callable[..., Flask]) -> None:
    client = make_app(*ALS).test_client()
    assert [client.get(path).status_code for path in ("/recommend/u1", "/item/allIDs", "/ready")] == [503] * 3


def test_console_offers_a_form_for_every_als_endpoint(client: FlaskClient) -> None:
    page = client.get("/").text
    for path in ("/recommendToAnonymous/{items}", "/mostSurprising/{user_id}", "/ingest", "/pref/{user_id}/{item_id}"):
        assert path in page


def test_fold_in_endpoints_are_503_while_yty_is_singular(
    make_app: Callable[..., Flask], publish: Callable[[str, str], None], caught_up: Callable[[Flask], None]
) -> None:
    app = make_app(*ALS)
    publish("MODEL", write_pmml(build_als_pmml(ALSModelDescription(features=2, implicit=True, y_ids=("i1",)))))
    publish("UP", format_y_update("i1", np.array([1.0, 0.0])))  # one item: YᵀY has rank 1 of 2
    caught_up(app)
    client = app.test_client()
    assert client.get("/item/allIDs").status_code == 200  # the model itself is loaded
    response = client.get("/recommendToAnonymous/i1")
    assert (response.status_code, response.text) == (503, "No solver available for model yet")
    assert client.get("/estimateForAnonymous/i1/i1").status_code == 503
