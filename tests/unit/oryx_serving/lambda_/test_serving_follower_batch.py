"""The follower hands each poll at once to a manager offering ``consume_key_messages`` (the batch hook)."""

from __future__ import annotations

from collections.abc import Sequence

from support.memory_topics import InMemoryBroker, InMemoryUpdateConsumer
from support.waiting import wait_for

from oryx_core.api.batched_updates import ConsumesKeyMessageBatches
from oryx_core.topics.messages import KeyMessage
from oryx_serving.lambda_.update_follower import UpdateFollower

TOPIC = "OryxUpdate"


class BatchManager:
    """Records each batch; fails the messages keyed ``BAD``; raises for a batch holding key ``BROKEN``."""

    def __init__(self) -> None:
        self.batches: list[list[tuple[str | None, str]]] = []
        self.one_by_one: list[tuple[str | None, str]] = []

    def consume_key_message(self, key: str | None, message: str) -> None:
        self.one_by_one.append((key, message))

    def consume_key_messages(self, messages: Sequence[KeyMessage]) -> list[tuple[int, Exception]]:
        if any(message.key == "BROKEN" for message in messages):
            raise RuntimeError("manager bug")
        self.batches.append([(message.key, message.message) for message in messages if message.key != "BAD"])
        return [(n, ValueError(message.message)) for n, message in enumerate(messages) if message.key == "BAD"]

    def get_model(self) -> None:
        return None

    def close(self) -> None:
        pass


def follow(messages: list[KeyMessage]) -> tuple[UpdateFollower, BatchManager]:
    broker = InMemoryBroker()
    for message in messages:
        broker.append(TOPIC, message)
    manager = BatchManager()
    follower = UpdateFollower(InMemoryUpdateConsumer(broker, TOPIC), manager)
    follower.start()
    try:
        wait_for(lambda: follower.consumed == len(messages))
    finally:
        follower.stop()
    return follower, manager


def test_a_manager_with_consume_key_messages_is_a_batch_model_manager() -> None:
    assert isinstance(BatchManager(), ConsumesKeyMessageBatches)


def test_a_poll_reaches_the_batch_hook_in_topic_order() -> None:
    messages = [KeyMessage("MODEL", "m"), KeyMessage("UP", "a"), KeyMessage("UP", "b")]
    follower, manager = follow(messages)
    assert manager.batches == [[("MODEL", "m"), ("UP", "a"), ("UP", "b")]]
    assert manager.one_by_one == []
    assert follower.models_applied == 1 and follower.failed == 0
    assert follower.last_applied_at is not None


def test_failures_the_hook_returns_are_counted_and_the_rest_applied() -> None:
    messages = [KeyMessage("UP", "a"), KeyMessage("BAD", "x"), KeyMessage("UP", "b"), KeyMessage("MODEL", "m")]
    follower, manager = follow(messages)
    assert manager.batches == [[("UP", "a"), ("UP", "b"), ("MODEL", "m")]]
    assert follower.failed == 1 and follower.consumed == 4
    assert follower.consumed_by_key["UP"] == 2 and follower.consumed_by_key["other"] == 1
    assert follower.models_applied == 1


def test_a_hook_that_raises_fails_its_batch_and_the_follower_carries_on() -> None:
    broker = InMemoryBroker()
    broker.append(TOPIC, KeyMessage("MODEL", "m"))
    broker.append(TOPIC, KeyMessage("BROKEN", "x"))
    manager = BatchManager()
    follower = UpdateFollower(InMemoryUpdateConsumer(broker, TOPIC), manager)
    follower.start()
    try:
        wait_for(lambda: follower.consumed == 2)
        broker.append(TOPIC, KeyMessage("UP", "after"))
        wait_for(lambda: follower.consumed == 3)
    finally:
        follower.stop()
    assert follower.failed == 2 and follower.models_applied == 0
    assert manager.batches == [[("UP", "after")]]
