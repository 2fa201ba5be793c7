"""The ALS serving app against the real broker: a MODEL and UP messages on the update topic become answers.

The model is small enough to check by hand (2 features): items i1 (1,0), i2 (0,1), i3 (1,1), i4 (-1,0),
i5 (0.5,0.5); users u1 (1,0.5) knowing i1, u2 (0,1) knowing i2 and i3. Fold-in answers are recomputed here
with numpy from YᵀY, independently of the serving code.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Iterator, Sequence

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from support.waiting import wait_for

from oryx_core.apps.als.messages import format_x_update, format_y_update
from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml
from oryx_core.apps.als.rescorer import RescorerProvider
from oryx_core.config import load_config
from oryx_core.ml.pmml import write_pmml
from oryx_core.topics.admin import TopicAdmin
from oryx_core.topics.consumer import InputTopicReader
from oryx_core.topics.messages import MODEL, UP
from oryx_core.topics.producer import TopicProducer
from oryx_serving import create_app

ITEMS = {"i1": (1.0, 0.0), "i2": (0.0, 1.0), "i3": (1.0, 1.0), "i4": (-1.0, 0.0), "i5": (0.5, 0.5)}
USERS = {"u1": ((1.0, 0.5), ["i1"]), "u2": ((0.0, 1.0), ["i2", "i3"])}
JSON = {"Accept": "application/json"}


class DropItem(RescorerProvider):
    """With rescorerParams=<item>, filters that item out of /recommend and /similarity; else no rescoring."""

    class _Drop:
        def __init__(self, item: str) -> None:
            self.item = item

        def is_filtered(self, id_: str) -> bool:
            return id_ == self.item

        def rescore(self, id_: str, score: float) -> float:
            return score

    def get_recommend_rescorer(self, user_ids: Sequence[str], args: Sequence[str]) -> _Drop | None:
        return self._Drop(args[0]) if args else None

    def get_most_similar_items_rescorer(self, args: Sequence[str]) -> _Drop | None:
        return self._Drop(args[0]) if args else None


def als_config(brokers: str, input_topic: str, update_topic: str, *extra: str) -> list[str]:
    return [
        f"oryx.input-topic.broker={brokers}",
        f"oryx.input-topic.message.topic={input_topic}",
        f"oryx.update-topic.broker={brokers}",
        f"oryx.update-topic.message.topic={update_topic}",
        "oryx.serving.model-manager-class=com.cloudera.oryx.app.serving.als.model.ALSServingModelManager",
        "oryx.serving.application-resources=com.cloudera.oryx.app.serving.als",
        *extra,
    ]


@pytest.fixture(scope="module", params=["scan", "ann"])
def search_mode(request: pytest.FixtureRequest) -> str:
    """Every test runs twice, on its own topics: scanning the items (Oryx 2) and through the HNSW graph."""
    return str(request.param)


@pytest.fixture(scope="module")
def topics(kafka_brokers: str, search_mode: str) -> tuple[str, str]:
    suffix = uuid.uuid4().hex[:10]
    input_topic, update_topic = f"OryxInput-als-{suffix}", f"OryxUpdate-als-{suffix}"
    TopicAdmin(kafka_brokers).create_oryx_topics(input_topic, update_topic)
    return input_topic, update_topic


@pytest.fixture(scope="module")
def app(kafka_brokers: str, topics: tuple[str, str], search_mode: str) -> Iterator[Flask]:
    input_topic, update_topic = topics
    description = ALSModelDescription(features=2, implicit=True, x_ids=tuple(USERS), y_ids=tuple(ITEMS))
    with TopicProducer(kafka_brokers, update_topic) as producer:
        producer.send(MODEL, write_pmml(build_als_pmml(description)))
        for item, vector in ITEMS.items():
            producer.send(UP, format_y_update(item, np.array(vector)))
        for user, (vector, known) in USERS.items():
            producer.send(UP, format_x_update(user, np.array(vector), known))
        producer.flush()
    config = load_config(
        None,
        als_config(
            kafka_brokers,
            input_topic,
            update_topic,
            f"oryx.als.rescorer-provider-class={__name__}.DropItem",
            f"oryx.als.ann.enabled={str(search_mode == 'ann').lower()}",
        ),
    )
    app = create_app(config)
    client = app.test_client()
    wait_for(lambda: client.get("/user/allIDs").text == "u1\nu2\n")
    ann = app.extensions["oryx"].model_manager.get_model().ann
    assert (ann is not None) == (search_mode == "ann")
    assert ann is None or ann.caught_up(30) and ann.graph_size == len(ITEMS)
    yield app
    app.extensions["oryx"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def id_values(client: FlaskClient, path: str) -> list[tuple[str, float]]:
    response = client.get(path, headers=JSON)
    assert response.status_code == 200, response.text
    return [(pair["id"], pytest.approx(pair["value"], rel=1e-5)) for pair in response.get_json()]


def fold_in(items: list[tuple[str, float]], start: np.ndarray | None = None) -> np.ndarray:
    """Oryx 2's implicit fold-in, written out with numpy: solve (YᵀY)·Δ = Yi·(target − Qui) per item."""
    y = np.array(list(ITEMS.values()))
    yty = y.T @ y
    xu = start
    for item, value in items:
        yi = np.array(ITEMS[item])
        qui = 0.0 if xu is None else float(xu @ yi)
        current = 0.5 if xu is None else qui
        target = current + (value / (1 + value)) * (1 - max(0.0, current))
        delta = np.linalg.solve(yty, yi * (target - qui))
        xu = delta if xu is None else xu + delta
    assert xu is not None
    return xu


def ranked(xu: np.ndarray, excluded: set[str]) -> list[tuple[str, float]]:
    scores = [(item, float(xu @ np.array(vector))) for item, vector in ITEMS.items() if item not in excluded]
    return sorted(scores, key=lambda pair: -pair[1])


def test_recommend_gives_exact_dot_products_excluding_known_items_in_csv_and_json(client: FlaskClient) -> None:
    assert client.get("/recommend/u1").text == "i3,1.5\ni5,0.75\ni2,0.5\ni4,-1.0\n"
    assert id_values(client, "/recommend/u1?howMany=2&offset=1") == [("i5", 0.75), ("i2", 0.5)]
    assert id_values(client, "/recommend/u1?considerKnownItems=true&howMany=2") == [("i3", 1.5), ("i1", 1.0)]


def test_rescorer_plugin_gets_the_rescorer_params(client: FlaskClient) -> None:
    assert [pair[0] for pair in id_values(client, "/recommend/u1?rescorerParams=i3")] == ["i5", "i2", "i4"]
    assert [pair[0] for pair in id_values(client, "/similarity/i1?rescorerParams=i5")] == ["i3", "i2", "i4"]


def test_diversity_reranks_by_marginal_relevance_after_filters_keeping_each_items_score(client: FlaskClient) -> None:
    # u1's plain list is i3 i5 i2 i4; at diversity 1 each next item is the least like those taken: after i3
    # (1,1) comes i4 (-1,0), then i2 (its closest taken item at cosine 0.71) before i5 (a copy of i3's direction)
    assert id_values(client, "/recommend/u1?diversity=1") == [("i3", 1.5), ("i4", -1.0), ("i2", 0.5), ("i5", 0.75)]
    assert id_values(client, "/recommend/u1?diversity=0") == id_values(client, "/recommend/u1")
    assert [pair[0] for pair in id_values(client, "/recommend/u1?diversity=1&rescorerParams=i4")] == ["i3", "i2", "i5"]
    assert client.get("/recommend/u1?diversity=2").status_code == 400


def test_similarity_is_cosine(client: FlaskClient) -> None:
    assert id_values(client, "/similarity/i1") == [
        ("i3", math.sqrt(0.5)),
        ("i5", math.sqrt(0.5)),
        ("i2", 0.0),
        ("i4", -1.0),
    ]
    assert client.get("/similarityToItem/i3/i1/ghost", headers=JSON).get_json() == pytest.approx([math.sqrt(0.5), 0.0])


def test_fold_in_endpoints_match_numpy(client: FlaskClient) -> None:
    anonymous = fold_in([("i1", 2.0), ("i2", 1.0)])
    assert id_values(client, "/recommendToAnonymous/i1=2/i2") == [
        (item, pytest.approx(score, rel=1e-5)) for item, score in ranked(anonymous, {"i1", "i2"})
    ]
    estimate = client.get("/estimateForAnonymous/i3/i1=2/i2", headers=JSON).get_json()
    assert estimate == pytest.approx(float(anonymous @ np.array(ITEMS["i3"])), rel=1e-5)
    context = fold_in([("i5", 1.0)], np.array(USERS["u1"][0]))
    assert id_values(client, "/recommendWithContext/u1/i5") == [
        (item, pytest.approx(score, rel=1e-5)) for item, score in ranked(context, {"i1", "i5"})
    ]


def test_known_items_popularity_and_estimates(client: FlaskClient) -> None:
    assert client.get("/knownItems/u2").text == "i2\ni3\n"
    assert client.get("/estimate/u1/i3/ghost").text == "1.5\n0.0\n"
    assert client.get("/mostActiveUsers").text == "u2,2\nu1,1\n"
    assert client.get("/popularRepresentativeItems", headers=JSON).get_json() == ["i1", "i2"]
    assert id_values(client, "/because/u2/i5") == [("i3", 1.0), ("i2", math.sqrt(0.5))]
    assert id_values(client, "/mostSurprising/u2?howMany=1") == [("i2", 1.0)]


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/recommend/ghost", 404, "ghost"),
        ("/similarity/i1/ghost", 404, "ghost"),
        ("/recommend/u1?howMany=0", 400, None),
        ("/recommend/u1?howMany=50000&offset=50001", 400, None),
        ("/recommendToAnonymous/ghost", 400, None),
    ],
)
def test_error_statuses(client: FlaskClient, path: str, status: int, body: str | None) -> None:
    response = client.get(path)
    assert response.status_code == status
    if body is not None:
        assert response.text == body


def test_an_up_from_the_speed_layer_changes_answers(
    client: FlaskClient, kafka_brokers: str, topics: tuple[str, str]
) -> None:
    with TopicProducer(kafka_brokers, topics[1]) as producer:
        producer.send_sync(UP, format_x_update("u9", np.array([0.0, 2.0]), ["i2"]))
    wait_for(lambda: client.get("/recommend/u9?howMany=1").text == "i3,2.0\n", 30)
    assert client.get("/knownItems/u9").text == "i2\n"


def test_a_new_item_from_the_speed_layer_is_recommended_at_once(
    client: FlaskClient, kafka_brokers: str, topics: tuple[str, str]
) -> None:
    """In the ANN mode too: the graph learns of the item in the background, and until then it is scored from the
    store as a stale ID, never missed."""
    with TopicProducer(kafka_brokers, topics[1]) as producer:
        producer.send_sync(UP, format_y_update("i9", np.array([3.0, 3.0]), ["u2"]))
    wait_for(lambda: client.get("/recommend/u1?howMany=1").text == "i9,4.5\n", 30)
    assert "i9" not in client.get("/recommend/u2").text  # u2 knows it now


def test_pref_and_ingest_write_exact_lines_to_the_input_topic(
    client: FlaskClient, kafka_brokers: str, topics: tuple[str, str]
) -> None:
    before = int(time.time() * 1000)
    assert client.post("/pref/u1/i2", data="2.5", content_type="text/plain").status_code == 204
    assert client.delete("/pref/u1/i3").status_code == 204
    body = "u2,i4,3,1700000000000\nu3,i5\n"
    assert client.post("/ingest", data=body, content_type="text/csv").status_code == 204
    reader = InputTopicReader(kafka_brokers, topics[0], group_id=f"test-{topics[0]}")
    try:
        lines = [
            m.message for m in reader.read_range(reader.committed_offsets(), reader.end_offsets(), idle_timeout=10)
        ]
    finally:
        reader.close()
    after = int(time.time() * 1000)
    fields = [line.split(",") for line in sorted(lines)]
    assert [f[:3] for f in fields] == [["u1", "i2", "2.5"], ["u1", "i3", ""], ["u2", "i4", "3.0"], ["u3", "i5", "1"]]
    assert fields[2][3] == "1700000000000"
    assert all(before <= int(f[3]) <= after for f in (fields[0], fields[1], fields[3]))


def test_503_before_a_model_and_403_when_read_only(kafka_brokers: str, fresh_topics: tuple[str, str]) -> None:
    config = load_config(None, als_config(kafka_brokers, *fresh_topics, "oryx.serving.api.read-only=true"))
    app = create_app(config)
    try:
        client = app.test_client()
        assert client.get("/recommend/u1").status_code == 503
        assert client.get("/ready").status_code == 503
        assert client.post("/ingest", data="u1,i1", content_type="text/plain").status_code == 403
        assert client.post("/pref/u1/i1").status_code == 403
    finally:
        app.extensions["oryx"].close()
