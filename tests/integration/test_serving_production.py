"""The production serving layer against the real broker: gunicorn, auth, TLS, read-only and hardened PMML."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from requests.auth import HTTPBasicAuth, HTTPDigestAuth
from support.waiting import wait_for

from oryx_core.config import load_config
from oryx_core.ml.pmml import add_extension, pmml_skeleton, write_pmml
from oryx_core.topics.consumer import InputTopicReader
from oryx_core.topics.messages import MODEL, MODEL_REF, KeyMessage, input_key
from oryx_core.topics.model_messages import is_model_key, model_pmml
from oryx_core.topics.producer import TopicProducer
from oryx_serving import create_app
from oryx_serving.apps.example.model import ExampleServingModel

USER, PASSWORD = "oryx-admin", "correct horse"
AUTH = [f"oryx.serving.api.user-name={USER}", f'oryx.serving.api.password="{PASSWORD}"']
DIGEST = HTTPDigestAuth(USER, PASSWORD)
ServingProcess = Any  # conftest's ServingProcess: base_url, process, output()


def publish(kafka_brokers: str, topic: str, key: str, message: str) -> None:
    with TopicProducer(kafka_brokers, topic) as producer:
        producer.send_sync(key, message)


def input_messages(kafka_brokers: str, input_topic: str) -> list[KeyMessage]:
    reader = InputTopicReader(kafka_brokers, input_topic, group_id=f"test-{input_topic}")
    try:
        return list(reader.read_range(reader.committed_offsets(), reader.end_offsets(), idle_timeout=10))
    finally:
        reader.close()


def get(server: ServingProcess, path: str, **kwargs: object) -> requests.Response:
    return requests.get(server.base_url + path, timeout=10, **kwargs)  # type: ignore[arg-type]


# ---- under gunicorn, over HTTP, with Digest auth --------------------------------------------------------------


@pytest.fixture
def secured_server(start_serving: Callable[..., ServingProcess], serving_overrides: list[str]) -> ServingProcess:
    return start_serving(*serving_overrides, *AUTH)


def test_every_path_needs_credentials_under_gunicorn(secured_server: ServingProcess) -> None:
    for path in ("/ready", "/", "/metrics", "/openapi.json", "/distinct/apple"):
        response = get(secured_server, path)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"].startswith('Digest realm="Oryx"')
    assert get(secured_server, "/ready", auth=HTTPBasicAuth(USER, PASSWORD)).status_code == 401  # no Basic on HTTP


def test_model_arrives_then_ready_with_digest_auth(
    secured_server: ServingProcess, kafka_brokers: str, fresh_topics: tuple[str, str]
) -> None:
    assert get(secured_server, "/ready", auth=DIGEST).status_code == 503
    publish(kafka_brokers, fresh_topics[1], MODEL, json.dumps({"apple": 2, "banana": 1}))
    wait_for(lambda: get(secured_server, "/ready", auth=DIGEST).status_code == 200, 60, "/ready")
    assert get(secured_server, "/distinct/apple", auth=DIGEST).text == "2"
    answer = get(secured_server, "/distinct", auth=DIGEST, headers={"Accept": "application/json"})
    assert answer.json() == {"apple": 2, "banana": 1}
    metrics = get(secured_server, "/metrics", auth=DIGEST).text
    assert "oryx_serving_model_generation 1\n" in metrics and "oryx_serving_model_ready 1\n" in metrics


def test_ingest_round_trip_reaches_the_input_topic_before_the_204(
    secured_server: ServingProcess, kafka_brokers: str, fresh_topics: tuple[str, str]
) -> None:
    session = requests.Session()
    session.auth = DIGEST
    url = secured_server.base_url
    assert session.post(f"{url}/add/cherry%20apple", timeout=30).status_code == 204
    body = gzip.compress(b"date fig\n\ngrape\n")
    headers = {"Content-Type": "text/plain", "Content-Encoding": "gzip"}
    assert session.post(f"{url}/add", data=body, headers=headers, timeout=30).status_code == 204
    # 204 came after the broker acknowledged every line: nothing to wait for.
    lines = ["cherry apple", "date fig", "grape"]  # keyed lines spread over partitions: order is per partition
    received = sorted(input_messages(kafka_brokers, fresh_topics[0]), key=lambda m: m.message)
    assert received == [KeyMessage(input_key(x), x) for x in lines]


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("GET", "/no/such/path", {}, 404),
        ("DELETE", "/distinct/apple", {}, 405),
        ("POST", "/add", {"Content-Type": "application/xml"}, 415),
        ("GET", "/distinct/apple", {}, 503),
    ],
)
def test_contract_statuses_over_real_http(
    secured_server: ServingProcess, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    response = requests.request(
        method, secured_server.base_url + path, data=b"<a/>" if method == "POST" else None, headers=headers,
        auth=DIGEST, timeout=10,
    )  # fmt: skip
    assert response.status_code == status


# ---- TLS -----------------------------------------------------------------------------------------------------


def test_tls_serves_https_only_and_accepts_basic_there(
    start_serving: Callable[..., ServingProcess],
    serving_overrides: list[str],
    kafka_brokers: str,
    fresh_topics: tuple[str, str],
    self_signed_cert: tuple[Path, Path],
) -> None:
    cert, key = self_signed_cert
    tls = [f"oryx.serving.api.cert-file={cert}", f"oryx.serving.api.key-file={key}"]
    server = start_serving(*serving_overrides, *AUTH, *tls, tls=True)
    publish(kafka_brokers, fresh_topics[1], MODEL, json.dumps({"apple": 2}))

    basic = HTTPBasicAuth(USER, PASSWORD)
    wait_for(lambda: get(server, "/ready", auth=basic, verify=str(cert)).status_code == 200, 60, "/ready over TLS")
    assert get(server, "/distinct/apple", auth=DIGEST, verify=str(cert)).text == "2"
    refused = get(server, "/ready", verify=str(cert))
    assert refused.status_code == 401
    challenges = refused.headers["WWW-Authenticate"]  # requests joins the two headers with ", "
    assert challenges.startswith('Digest realm="Oryx"') and 'Basic realm="Oryx"' in challenges
    with pytest.raises(requests.exceptions.SSLError):
        get(server, "/ready", auth=basic)  # a client that does not trust the certificate
    plain = server.base_url.replace("https://", "http://")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{plain}/ready", auth=basic, timeout=10)  # no plain-HTTP listener on that port


# ---- read-only ---------------------------------------------------------------------------------------------


@pytest.fixture
def read_only_app(serving_overrides: list[str]) -> Iterator[Flask]:
    overrides = [
        *serving_overrides,
        "oryx.input-topic.message.topic=NoSuchInputTopic-never-created",
        "oryx.serving.api.read-only=true",
    ]
    config = load_config(None, overrides)
    app = create_app(config)  # would fail at start if it demanded the input topic, as Oryx 2 did (spec section 8)
    yield app
    app.extensions["oryx"].close()


def test_read_only_serves_the_model_without_an_input_topic_and_refuses_writes(
    read_only_app: Flask, kafka_brokers: str, fresh_topics: tuple[str, str]
) -> None:
    client = read_only_app.test_client()
    publish(kafka_brokers, fresh_topics[1], MODEL, json.dumps({"apple": 3}))
    wait_for(lambda: client.get("/ready").status_code == 200, 60, "/ready")
    assert client.get("/distinct/apple").text == "3"
    response = client.post("/add/kiwi", data=None)
    assert (response.status_code, response.text) == (403, "Serving Layer is read-only")
    assert read_only_app.extensions["oryx"].input_producer is None


# ---- hardened PMML from the update topic ----------------------------------------------------------------------


class PMMLWordCountManager:
    """A PMML-reading app manager for this test: the word counts travel as JSON in a PMML Extension."""

    def __init__(self, model_dir: str) -> None:
        self.model_dir = model_dir
        self.model: ExampleServingModel | None = None

    def consume_key_message(self, key: str | None, message: str) -> None:
        if not is_model_key(key):
            raise ValueError(f"unexpected key {key!r}")
        root = model_pmml(key, message, self.model_dir)
        extension = next(e for e in root.iter() if e.get("name") == "counts")
        self.model = ExampleServingModel(json.loads(extension.get("value") or "{}"))

    def get_model(self) -> ExampleServingModel | None:
        return self.model

    def close(self) -> None:
        self.model = None


def counts_pmml(counts: dict[str, int]) -> str:
    root = pmml_skeleton()
    add_extension(root, "counts", json.dumps(counts))
    return write_pmml(root)


@pytest.fixture
def pmml_serving(serving_overrides: list[str], tmp_path: Path) -> Iterator[tuple[Flask, PMMLWordCountManager]]:
    model_dir = tmp_path / "models"
    model_dir.mkdir()
    config = load_config(None, [*serving_overrides, f"oryx.batch.storage.model-dir=file:{model_dir}"])
    manager = PMMLWordCountManager(f"file:{model_dir}")
    app = create_app(config, model_manager=manager)
    yield app, manager
    app.extensions["oryx"].close()


def billion_laughs() -> str:
    entities = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    return f'<?xml version="1.0"?><!DOCTYPE PMML [{entities}]><PMML version="4.4"><Header description="&l9;"/></PMML>'


def test_update_topic_pmml_with_xxe_or_entity_bombs_or_escaping_refs_is_refused(
    pmml_serving: tuple[Flask, PMMLWordCountManager], kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path
) -> None:
    app, manager = pmml_serving
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    outside = tmp_path / "outside.pmml"
    outside.write_text(counts_pmml({"leaked": 1}))
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<PMML version="4.4"><Extension name="counts" value="&x;"/></PMML>'
    )
    update_topic = fresh_topics[1]
    for key, message in [
        (MODEL, xxe),
        (MODEL, billion_laughs()),
        (MODEL_REF, f"{tmp_path}/models/../outside.pmml"),
        (MODEL, counts_pmml({"apple": 5})),
    ]:
        publish(kafka_brokers, update_topic, key, message)
    follower = app.extensions["oryx"].follower
    wait_for(lambda: follower.consumed >= 4, 60, "the follower to see all four messages")

    assert follower.failed == 3
    assert manager.model is not None and manager.model.get_words() == {"apple": 5}
    client = app.test_client()
    assert client.get("/distinct/apple").text == "5"
    assert "TOP-SECRET" not in client.get("/distinct").text
    assert "oryx_serving_update_messages_failed_total 3\n" in client.get("/metrics").text


def test_a_model_ref_inside_the_model_dir_is_loaded(
    pmml_serving: tuple[Flask, PMMLWordCountManager], kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path
) -> None:
    app, _ = pmml_serving
    generation = tmp_path / "models" / "1700000000000"
    generation.mkdir()
    (generation / "model.pmml").write_text(counts_pmml({"pear": 7}))
    publish(kafka_brokers, fresh_topics[1], MODEL_REF, f"file:{generation}/model.pmml")
    client = app.test_client()
    wait_for(lambda: client.get("/ready").status_code == 200, 60, "/ready")
    assert client.get("/distinct/pear").text == "7"
