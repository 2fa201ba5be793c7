"""The ALS speed layer as a real process on the real broker: a new user's first interaction becomes an X vector.

The model (a skeleton PMML and its UP vectors) is written to the update topic as the batch layer would; the
expected fold-in is computed here with numpy from the same vectors.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from speed_support import SpeedProcess, process_state, send_input, update_messages

from oryx_core.apps.als.messages import format_x_update, format_y_update, parse_update
from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml
from oryx_core.config import OryxConfig, load_config
from oryx_core.ml.pmml import write_pmml
from oryx_core.topics.messages import MODEL, UP
from oryx_core.topics.producer import TopicProducer

X = {"u1": [1.0, 0.2], "u2": [0.1, 1.5], "u3": [0.7, 0.7]}
Y = {"i1": [1.0, 0.5], "i2": [0.5, 1.0], "i3": [2.0, 0.1]}


@pytest.fixture
def config(kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path) -> OryxConfig:
    input_topic, update_topic = fresh_topics
    return load_config(
        None,
        [
            f"oryx.id=als-speed-{uuid.uuid4().hex[:8]}",
            f"oryx.input-topic.broker={kafka_brokers}",
            f"oryx.input-topic.message.topic={input_topic}",
            f"oryx.update-topic.broker={kafka_brokers}",
            f"oryx.update-topic.message.topic={update_topic}",
            "oryx.speed.model-manager-class=com.cloudera.oryx.app.speed.als.ALSSpeedModelManager",
            f"oryx.speed.streaming.checkpoint-dir={tmp_path}/checkpoint",
            "oryx.speed.min-model-load-fraction=1.0",
        ],
    )


@pytest.fixture
def speed(config: OryxConfig, tmp_path: Path) -> Iterator[SpeedProcess]:
    keys = ["oryx.id", "oryx.speed.model-manager-class", "oryx.speed.streaming.checkpoint-dir"]
    keys += [f"oryx.{t}-topic.{k}" for t in ("input", "update") for k in ("broker", "message.topic")]
    overrides = [f"{key}={config.get_string(key)}" for key in keys] + [
        "oryx.speed.min-model-load-fraction=1.0",
        "oryx.speed.streaming.generation-interval-sec=1",
        "oryx.speed.streaming.master=local[1]",
        "oryx.speed.streaming.driver-memory=512m",
        'oryx.speed.streaming.config."spark.ui.enabled"=false',
        'oryx.speed.streaming.config."spark.sql.shuffle.partitions"=1',
    ]
    process = SpeedProcess(process_state(tmp_path), overrides, tmp_path / "speed.log")
    yield process
    process.kill()


def publish_model(config: OryxConfig) -> None:
    description = ALSModelDescription(features=2, implicit=True, x_ids=tuple(X), y_ids=tuple(Y))
    with TopicProducer(
        config.get_string("oryx.update-topic.broker"), config.get_string("oryx.update-topic.message.topic")
    ) as producer:
        producer.send(MODEL, write_pmml(build_als_pmml(description)))
        for item, vector in Y.items():
            producer.send(UP, format_y_update(item, np.array(vector)))
        for user, vector in X.items():
            producer.send(UP, format_x_update(user, np.array(vector), ["i1"]))
        producer.flush()


def test_a_new_user_interaction_becomes_an_x_update_within_seconds(config: OryxConfig, speed: SpeedProcess) -> None:
    publish_model(config)
    # The query starts at the latest offsets: it is "running" only after a first (empty) micro-batch fixed them.
    speed.wait_running()
    sent_at = time.monotonic()
    send_input(config, [f"newbie,i3,2,{int(time.time() * 1000)}", "not,enough", "u1,i1,oops,5"])
    deadline = sent_at + 60
    update = None
    while update is None and time.monotonic() < deadline:
        messages = update_messages(config, expected=1 + len(X) + len(Y) + 1, timeout=2)
        speed_ups = [parse_update(m.message) for m in messages if m.key == UP][len(X) + len(Y) :]
        update = next((u for u in speed_ups if u[1] == "newbie"), None)
    latency = time.monotonic() - sent_at
    assert update is not None, f"no UP for the new user:\n{speed.log.read_text()[-3000:]}"
    yty = np.array(list(Y.values())).T @ np.array(list(Y.values()))
    target = 0.5 + (2.0 / 3.0) * 0.5
    expected = np.linalg.solve(yty, np.array(Y["i3"]) * target)
    assert update[0] == "X" and update[3] == ["i3"]
    np.testing.assert_allclose(update[2], expected, rtol=1e-5)
    assert latency < 30, f"the update took {latency:.1f} s"
    assert "skipped 2 bad input line(s)" in speed.log.read_text()
