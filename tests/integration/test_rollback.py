"""Roll back (issue 21 part 1) on the real broker, Spark and Dagster, with serving and the speed layer's model.

Two ALS generations are published. In between, and after the roll back, a "speed layer" writes ``UP`` messages
tagged with the newer generation, as a speed layer still folding in against the newer model would. Then
``rollback_job`` re-publishes the first generation. Serving, started afterwards, replays the whole topic and must
end on the first generation's model: its vectors, its users (not the speed layer's new one) and its known items.
It must report the generation in ``/ready`` and ``/metrics`` and count the one late update as stale. The speed
layer's ALS manager, on the same follower, ends on the same IDs.
"""

from __future__ import annotations

import math
import uuid
from pathlib import Path

import numpy as np
import pytest
from batch_support import materialize_generation, produce, update_messages
from dagster import DagsterInstance
from rollback_support import (
    FIRST,
    FIRST_COUNT,
    FIRST_LINES,
    SECOND,
    SECOND_COUNT,
    SECOND_LINES,
    rollback_app,
    serving_config,
)
from support.waiting import wait_for

from oryx_assets.generation import run_rollback
from oryx_assets.resources import OryxConfigResource
from oryx_core.apps.als.messages import format_x_update, parse_update
from oryx_core.config import OryxConfig
from oryx_core.topics.consumer import UpdateTopicConsumer
from oryx_core.topics.follower import UpdateFollower
from oryx_core.topics.messages import MODEL, UP, KeyMessage
from oryx_core.topics.model_generation import generation_headers
from oryx_core.topics.producer import TransactionalProducer
from oryx_serving import create_app
from oryx_streaming.apps.als import ALSSpeedModelManager

pytestmark = pytest.mark.usefixtures("spark_stopped_after_module")


@pytest.fixture
def oryx(kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path) -> OryxConfigResource:
    return rollback_app(kafka_brokers, fresh_topics, tmp_path)


def vectors(messages: list[KeyMessage]) -> dict[tuple[str, str], np.ndarray]:
    return {(kind, id_): np.array(vector) for kind, id_, vector, _ in map(parse_update, (m.message for m in messages))}


def send_speed_update(config: OryxConfig, user: str, vector: list[float], generation: int | None) -> None:
    """One ``UP`` published as the speed layer publishes: in a transaction, tagged with its model's generation."""
    topic = config.get_string("oryx.update-topic.message.topic")
    broker = config.get_string("oryx.update-topic.broker")
    with TransactionalProducer(broker, topic, f"test-speed-{uuid.uuid4().hex[:8]}") as producer:
        producer.init()
        update = format_x_update(user, np.array(vector), ["apple"])
        producer.publish([(UP, update)], headers=generation_headers(generation))


def test_rolling_back_republishes_the_first_generation_and_both_layers_switch_to_it(
    oryx: OryxConfigResource,
) -> None:
    config, instance = oryx.load(), DagsterInstance.ephemeral()
    produce(oryx, FIRST_LINES)
    materialize_generation(oryx, instance, FIRST)
    first = update_messages(oryx, FIRST_COUNT)
    produce(oryx, SECOND_LINES)
    materialize_generation(oryx, instance, SECOND)
    send_speed_update(config, "yan", [5.0, 5.0], SECOND)  # a speed-layer fold-in against the newer model
    published = update_messages(oryx, FIRST_COUNT + SECOND_COUNT + 1)

    summary = run_rollback(oryx, instance, FIRST)
    assert summary.success, summary.errors
    assert summary.assets["republished_model"]["generation"] == str(FIRST)
    send_speed_update(config, "alice", [9.0, 9.0], SECOND)  # late, still against the newer model: stale
    send_speed_update(config, "zed", [0.5, 0.5], None)  # a writer naming no generation (Oryx 2): applied
    everything = update_messages(oryx, len(published) + FIRST_COUNT + 2)
    republished = everything[len(published) : len(published) + FIRST_COUNT]

    # Model messages name their generation; the batch layer's UPs, which follow at once, need not (nor pay for it).
    assert [m.generation for m in first] == [FIRST] + [None] * (FIRST_COUNT - 1)
    assert published[FIRST_COUNT].generation == SECOND
    assert republished[0].key == MODEL and republished[0].message == first[0].message
    assert [m.generation for m in republished] == [FIRST] + [None] * (FIRST_COUNT - 1)
    assert sorted(m.message for m in republished) == sorted(m.message for m in first)  # same vectors, known items

    first_vectors = vectors(first[1:])
    app = create_app(serving_config(oryx))
    try:
        client = app.test_client()
        wait_for(lambda: client.get("/ready").headers.get("Oryx-Model-Generation") == str(FIRST), timeout=60)
        wait_for(lambda: client.get("/user/allIDs").text.split() == ["alice", "bob", "carol", "dave", "zed"])
        estimate = float(client.get("/estimate/alice/apple").text)
        expected = float(first_vectors[("X", "alice")] @ first_vectors[("Y", "apple")])
        assert math.isclose(estimate, expected, rel_tol=1e-5), (estimate, expected)
        assert client.get("/knownItems/alice").text.split() == ["apple", "bread"]
        assert client.get("/item/allIDs").text.split() == ["apple", "bread", "dates", "eggs"]  # no figs
        metrics = client.get("/metrics").text
        assert "oryx_serving_update_messages_stale_total 1\n" in metrics
        assert f"oryx_serving_model_batch_generation {FIRST}" in metrics
    finally:
        app.extensions["oryx"].close()

    speed = ALSSpeedModelManager(config)
    consumer = UpdateTopicConsumer(
        config.get_string("oryx.update-topic.broker"),
        config.get_string("oryx.update-topic.message.topic"),
        max_message_bytes=1 << 24,
    )
    follower = UpdateFollower(speed, consumer, thread_name="speed-follower").start()
    try:
        assert follower.wait_until_loaded(60)
        model = speed.get_model()
        assert sorted(model.x.ids()) == ["alice", "bob", "carol", "dave", "zed"]
        assert (follower.model_generation, follower.stale) == (FIRST, 1)
    finally:
        follower.stop()


def test_a_generation_without_a_retained_model_cannot_be_rolled_back_to(oryx: OryxConfigResource) -> None:
    instance = DagsterInstance.ephemeral()
    produce(oryx, FIRST_LINES)
    materialize_generation(oryx, instance, FIRST)
    summary = run_rollback(oryx, instance, FIRST - 1)
    assert not summary.success
    assert any(f"generation {FIRST - 1} has no retained model" in error for error in summary.errors), summary.errors
