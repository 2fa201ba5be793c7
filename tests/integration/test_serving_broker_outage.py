"""Writes while the broker is down or slow, on a private real broker this test stops and starts.

A write endpoint answers 204 only once the broker holds the request's lines; with the broker down it answers 503
with ``Retry-After`` within ``oryx.serving.api.write-timeout-sec``, and that request's lines must never land later
(a client retries a 503, which would double them). A broker that comes back within the bound is only slow: the
request waits and answers 204, its line stored once.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support.ports import free_port

from oryx_core.config import load_config
from oryx_core.topics.admin import TopicAdmin
from oryx_core.topics.consumer import InputTopicReader
from oryx_serving import create_app

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
INPUT, UPDATE = "OryxInput-outage", "OryxUpdate-outage"


class PrivateBroker:
    def __init__(self, state: Path) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "ORYX_STATE_DIR": str(state),
            "ORYX_KAFKA_PORT": str(self.port),
            "ORYX_KAFKA_CONTROLLER_PORT": str(free_port()),
        }
        self.address = f"127.0.0.1:{self.port}"

    def run(self, command: str) -> None:
        done = subprocess.run(
            ["bash", str(REPO / "infra/kafka/broker.sh"), command], env=self.env, text=True, capture_output=True
        )
        assert done.returncode == 0, f"broker {command}: {done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory, kafka_brokers: str) -> Iterator[PrivateBroker]:
    """Its own state folder (data survives a stop) sharing the session's broker jars."""
    state = tmp_path_factory.mktemp("outage-broker")
    (state / "kafka").mkdir()
    (state / "kafka" / "lib").symlink_to(Path(os.environ["ORYX_STATE_DIR"]) / "kafka" / "lib")
    broker = PrivateBroker(state)
    broker.run("start")
    try:
        TopicAdmin(broker.address).create_oryx_topics(INPUT, UPDATE)
        yield broker
    finally:
        broker.run("stop")


def serving(broker: PrivateBroker, write_timeout: int) -> Flask:
    return create_app(
        load_config(
            None,
            [
                f"oryx.input-topic.broker={broker.address}",
                f"oryx.input-topic.message.topic={INPUT}",
                f"oryx.update-topic.broker={broker.address}",
                f"oryx.update-topic.message.topic={UPDATE}",
                "oryx.serving.model-manager-class=com.cloudera.oryx.example.serving.ExampleServingModelManager",
                "oryx.serving.application-resources=com.cloudera.oryx.example.serving",
                f"oryx.serving.api.write-timeout-sec={write_timeout}",
            ],
        )
    )


def stored_lines(broker: PrivateBroker) -> list[str]:
    reader = InputTopicReader(broker.address, INPUT, group_id=f"outage-check-{time.monotonic_ns()}")
    try:
        return [m.message for m in reader.read_range(reader.committed_offsets(), reader.end_offsets(), idle_timeout=10)]
    finally:
        reader.close()


def add_until_accepted(client: FlaskClient, line: str, timeout: float = 60.0) -> int:
    """Retries a 503 as a client must; returns how many 503s came first."""
    deadline, refused = time.monotonic() + timeout, 0
    while (status := client.post(f"/add/{line}").status_code) == 503:
        assert time.monotonic() < deadline, f"/add/{line} still 503 after {timeout:g}s"
        refused += 1
        time.sleep(1)
    assert status == 204
    return refused


def test_a_refused_write_never_lands_and_a_slow_broker_only_delays(broker: PrivateBroker) -> None:
    fast, patient = serving(broker, write_timeout=2), serving(broker, write_timeout=30)
    client, waiting_client = fast.test_client(), patient.test_client()
    try:
        assert client.post("/add/before").status_code == 204

        broker.run("stop")
        started = time.monotonic()
        refused = client.post("/add/refused")
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
        assert refused.get_data(as_text=True) == "input topic unavailable"
        assert time.monotonic() - started < 2 + 2 + 2  # the bound, librdkafka's report, slack: not 30 s

        slow: list[int] = []
        writer = threading.Thread(target=lambda: slow.append(waiting_client.post("/add/slow").status_code))
        writer.start()
        time.sleep(1)  # the write is waiting on a broker that is down
        broker.run("start")
        writer.join(60)
        assert slow == [204]

        add_until_accepted(client, "after")
        time.sleep(3)  # anything still queued somewhere would have arrived by now
        assert sorted(stored_lines(broker)) == ["after", "before", "slow"]
    finally:
        for app in (fast, patient):
            app.extensions["oryx"].close()
