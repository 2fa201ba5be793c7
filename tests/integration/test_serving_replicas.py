"""Serving replicas: independent ``python -m oryx_serving`` processes on one update topic give the same answers.

This is what a Kubernetes Deployment with several replicas (or the HorizontalPodAutoscaler adding one) relies
on: each replica replays the update topic from the earliest offset in its own consumer group, so the same MODEL
and UP messages build the same model in every replica, including one started after the messages were sent.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from support.waiting import wait_for

from oryx_core.topics.messages import MODEL, UP
from oryx_core.topics.producer import TopicProducer

MODEL_JSON = {"apple": 2, "banana": 1, "cherry": 3}
UPDATES = ["banana,5", "date,1", "apple,4", "banana,6"]
EXPECTED = {"apple": 4, "banana": 6, "cherry": 3, "date": 1}
ServingProcess = Any  # tests/integration/conftest.py's ServingProcess: base_url, process, output()


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def distinct(server: ServingProcess) -> dict[str, int]:
    request = urllib.request.Request(f"{server.base_url}/distinct", headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return dict(json.load(response))


def answers(server: ServingProcess) -> tuple[dict[str, int], list[str]]:
    """The whole model as JSON plus the CSV answer for each word, one request each."""
    words = []
    for word in sorted(EXPECTED):
        with urllib.request.urlopen(f"{server.base_url}/distinct/{word}", timeout=5) as response:
            words.append(response.read().decode())
    return distinct(server), words


def publish(brokers: str, update_topic: str) -> None:
    with TopicProducer(brokers, update_topic) as producer:
        producer.send_sync(MODEL, json.dumps(MODEL_JSON))
        for update in UPDATES:
            producer.send(UP, update)
        producer.flush()


def wait_for_model(server: ServingProcess) -> None:
    wait_for(lambda: status(f"{server.base_url}/ready") == 200, 60, f"{server.base_url} ready")
    wait_for(lambda: distinct(server) == EXPECTED, 30, f"{server.base_url} applying every update")


def test_two_replicas_answer_identically_after_the_same_updates(
    start_serving: Callable[..., ServingProcess],
    serving_overrides: list[str],
    kafka_brokers: str,
    fresh_topics: tuple[str, str],
) -> None:
    first, second = start_serving(*serving_overrides), start_serving(*serving_overrides)
    assert status(f"{first.base_url}/ready") == status(f"{second.base_url}/ready") == 503

    publish(kafka_brokers, fresh_topics[1])

    wait_for_model(first)
    wait_for_model(second)
    assert answers(first) == answers(second) == (EXPECTED, [str(EXPECTED[w]) for w in sorted(EXPECTED)])


def test_a_replica_started_after_the_updates_catches_up_to_the_same_answers(
    start_serving: Callable[..., ServingProcess],
    serving_overrides: list[str],
    kafka_brokers: str,
    fresh_topics: tuple[str, str],
) -> None:
    first = start_serving(*serving_overrides)
    publish(kafka_brokers, fresh_topics[1])
    wait_for_model(first)

    late = start_serving(*serving_overrides)

    wait_for_model(late)
    assert answers(late) == answers(first)
