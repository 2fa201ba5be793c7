"""The serving layer against the real broker: a MODEL on the update topic becomes answers, /add reaches Kafka."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support.waiting import wait_for

from oryx_core.config import load_config
from oryx_core.topics.consumer import InputTopicReader
from oryx_core.topics.messages import MODEL, UP, KeyMessage, input_key
from oryx_core.topics.producer import TopicProducer
from oryx_serving import create_app


@pytest.fixture
def serving(kafka_brokers: str, fresh_topics: tuple[str, str]) -> Iterator[Flask]:
    input_topic, update_topic = fresh_topics
    with TopicProducer(kafka_brokers, update_topic) as producer:
        producer.send_sync(MODEL, json.dumps({"apple": 2, "banana": 1}))
    config = load_config(
        None,
        [
            f"oryx.input-topic.broker={kafka_brokers}",
            f"oryx.input-topic.message.topic={input_topic}",
            f"oryx.update-topic.broker={kafka_brokers}",
            f"oryx.update-topic.message.topic={update_topic}",
            "oryx.serving.model-manager-class=com.cloudera.oryx.example.serving.ExampleServingModelManager",
            "oryx.serving.application-resources=com.cloudera.oryx.example.serving",
        ],
    )
    app = create_app(config)
    yield app
    app.extensions["oryx"].close()


def ready(client: FlaskClient) -> bool:
    return client.get("/ready").status_code == 200


def test_model_from_the_update_topic_is_served_and_added_lines_reach_the_input_topic(
    serving: Flask, kafka_brokers: str, fresh_topics: tuple[str, str]
) -> None:
    input_topic, update_topic = fresh_topics
    client = serving.test_client()
    wait_for(lambda: ready(client))
    assert client.get("/distinct/apple").text == "2"
    assert client.get("/distinct", headers={"Accept": "application/json"}).get_json() == {"apple": 2, "banana": 1}

    with TopicProducer(kafka_brokers, update_topic) as producer:
        producer.send_sync(UP, "banana,5")
    wait_for(lambda: client.get("/distinct/banana").text == "5")

    response = client.post("/add/cherry%20apple")
    assert response.status_code == 204
    reader = InputTopicReader(kafka_brokers, input_topic, group_id=f"test-{input_topic}")
    try:
        ends = reader.end_offsets()
        # 204 came after flush, so the line is already on the broker: no waiting here.
        messages = list(reader.read_range(reader.committed_offsets(), ends, idle_timeout=10))
    finally:
        reader.close()
    assert messages == [KeyMessage(input_key("cherry apple"), "cherry apple")]
