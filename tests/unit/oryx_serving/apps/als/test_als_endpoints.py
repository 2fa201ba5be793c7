"""The ALS REST API over a hand-checkable 2-feature model fed through the in-memory update topic.

Items: i1 (1,0), i2 (0,1), i3 (1,1), i4 (-1,0), i5 (0.5,0.5). Users: u1 (1,0.5) knows i1; u2 (0,1) knows
i2 and i3; u3 (2,2) knows nothing. So u1's dot products are i1 1, i2 0.5, i3 1.5, i4 -1, i5 0.75.
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from support.memory_topics import InMemoryBroker

from oryx_core.apps.als.foldin import Solver, fold_in_anonymous
from oryx_core.apps.als.messages import format_x_update, format_y_update
from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml
from oryx_core.apps.als.rescorer import RescorerProvider
from oryx_core.input.lines import parse_line
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

    return load


@pytest.fixture
def client(make_app: Callable[..., Flask], load_model: Callable[[Flask], None]) -> FlaskClient:
    app = make_app(*ALS)
    load_model(app)
    return app.test_client()


@pytest.fixture
def rescored_client(make_app: Callable[..., Flask], load_model: Callable[[Flask], None]) -> FlaskClient:
    app = make_app(*ALS, f"oryx.als.rescorer-provider-class={__name__}.EvenItemsOnly")
    load_model(app)
    return app.test_client()


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


# ---- writes ------------------------------------------------------------------------------------------------


def input_lines(broker: InMemoryBroker) -> list[str]:
    return [record.message for record in broker.messages("OryxInput")]


def test_pref_post_writes_the_strength_as_java_float_text_and_now(client: FlaskClient, broker: InMemoryBroker) -> None:
    assert client.post("/pref/u1/i2", data="2", content_type="text/plain").status_code == 204
    assert client.post("/pref/u1/i3", data="2.5\nignored", content_type="text/csv").status_code == 204
    (user, item, strength, ts), second = (parse_line(line) for line in input_lines(broker))
    assert (user, item, strength) == ("u1", "i2", "2.0")
    assert second[:3] == ["u1", "i3", "2.5"]
    assert abs(int(ts) - __import__("time").time() * 1000) < 60_000


@pytest.mark.parametrize("body", [b"", b" ", b"\n5"])
def test_pref_post_without_a_strength_on_the_first_line_writes_1(
    client: FlaskClient, broker: InMemoryBroker, body: bytes
) -> None:
    """Oryx 2's ``PreferenceTest.testPostWithEmptyItemValue``: an empty (or blank) first line is strength 1."""
    assert client.post("/pref/u2/i2", data=body, content_type="text/plain").status_code == 204
    assert parse_line(input_lines(broker)[0])[:3] == ["u2", "i2", "1"]


def test_pref_post_as_curl_sends_it_is_read_as_the_raw_text(client: FlaskClient, broker: InMemoryBroker) -> None:
    """``curl --data 5`` sends ``Content-Type: application/x-www-form-urlencoded`` and the body ``5``."""
    response = client.post("/pref/alice/1196", data=b"5", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 204
    assert parse_line(input_lines(broker)[0])[:3] == ["alice", "1196", "5.0"]


def test_pref_post_in_read_only_mode_is_403_before_the_body_is_read(make_app: Callable[..., Flask]) -> None:
    """Oryx 2's ``ReadOnlyTest.testNoPreference`` posts the bad strength ``aBc!`` and expects 403, not 400."""
    client = make_app(*ALS, "oryx.serving.api.read-only=true").test_client()
    response = client.post("/pref/U2/I2", data="aBc!", content_type="text/plain")
    assert (response.status_code, response.text) == (403, "Serving Layer is read-only")
    bomb = gzip.compress(b"\0" * 10_000_000)
    response = client.post("/ingest", data=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "text/plain"})
    assert response.status_code == 403


@pytest.mark.parametrize("strength", ["NaN", "x", "aBc!", "Infinity", "1e39", "1_0"])
def test_pref_post_with_a_bad_strength_is_400(client: FlaskClient, broker: InMemoryBroker, strength: str) -> None:
    response = client.post("/pref/u1/i2", data=strength, content_type="text/plain")
    assert response.status_code == 400 and repr(strength) in response.text
    assert input_lines(broker) == []


def test_pref_delete_writes_an_empty_strength(client: FlaskClient, broker: InMemoryBroker) -> None:
    assert client.delete("/pref/u1/i2").status_code == 204
    assert parse_line(input_lines(broker)[0])[:3] == ["u1", "i2", ""]


def test_ingest_normalises_every_line_to_four_fields(client: FlaskClient, broker: InMemoryBroker) -> None:
    body = 'u1,i1\nu2,i2,3\nu3,i3,,1700000000000\n["u4","i4","2.5","1600000000000"]\nu5,i5, \n'
    assert client.post("/ingest", data=body, content_type="text/csv").status_code == 204
    lines = [parse_line(line) for line in input_lines(broker)]
    assert [fields[:3] for fields in lines[:2]] == [["u1", "i1", "1"], ["u2", "i2", "3.0"]]
    assert lines[0][3] == lines[1][3] and int(lines[0][3]) > 0
    assert input_lines(broker)[2:4] == ["u3,i3,,1700000000000", "u4,i4,2.5,1600000000000"]
    assert lines[4][:3] == ["u5", "i5", "1"]  # a blank strength is Oryx 2's default, not a delete


def test_ingest_writes_the_strengths_oryx_2_ingest_test_expects(client: FlaskClient, broker: InMemoryBroker) -> None:
    """Oryx 2's ``IngestTest``: given strengths become Java float text, a missing one ``1``, an empty one a delete."""
    body = "a,B,1\nc,B\nc,D,5.5\nc,D,\na,C,2,123456789"
    assert client.post("/ingest", data=body, content_type="text/plain").status_code == 204
    assert [parse_line(line)[:3] for line in input_lines(broker)] == [
        ["a", "B", "1.0"],
        ["c", "B", "1"],
        ["c", "D", "5.5"],
        ["c", "D", ""],
        ["a", "C", "2.0"],
    ]
    assert input_lines(broker)[4] == "a,C,2.0,123456789"


def test_ingest_accepts_a_gzip_body(client: FlaskClient, broker: InMemoryBroker) -> None:
    data = gzip.compress(b"u1,i1,1,5\n")
    response = client.post("/ingest", data=data, headers={"Content-Encoding": "gzip", "Content-Type": "text/plain"})
    assert response.status_code == 204
    assert input_lines(broker) == ["u1,i1,1.0,5"]


def test_ingest_keeps_the_first_four_fields_of_a_longer_line(client: FlaskClient, broker: InMemoryBroker) -> None:
    """Oryx 2's ``Ingest`` reads tokens 0-3 of a line and writes those four; extra fields are not an error."""
    body = "a,b,1,2,3\nc,d,,5,extra,more\n"
    assert client.post("/ingest", data=body, content_type="text/plain").status_code == 204
    assert input_lines(broker) == ["a,b,1.0,2", "c,d,,5"]


@pytest.mark.parametrize("line", ["u1", "u1,i1,abc", "u1,i1,1,x", "u1,i1,1,0", "u1,i1,1,-5", "u1,i1,inf", ",i1,1"])
def test_ingest_rejects_a_bad_line_and_sends_nothing(client: FlaskClient, broker: InMemoryBroker, line: str) -> None:
    response = client.post("/ingest", data=f"u0,i0\n{line}\n", content_type="text/plain")
    assert response.status_code == 400
    assert input_lines(broker) == []


def test_writes_are_403_when_read_only(make_app: Callable[..., Flask]) -> None:
    client = make_app(*ALS, "oryx.serving.api.read-only=true").test_client()
    assert client.post("/ingest", data="u1,i1", content_type="text/plain").status_code == 403
    assert client.delete("/pref/u1/i1").status_code == 403


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
