"""The speed follower's optional batch hook: each poll reaches ``consume_key_messages`` in one call, counted
and logged as one by one."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import pytest
from support.memory_topics import InMemoryBroker, InMemoryUpdateConsumer
from support.waiting import wait_for

from oryx_core.api.batched_updates import ConsumesKeyMessageBatches
from oryx_core.topics.messages import MODEL, UP, KeyMessage
from oryx_streaming.lambda_.model_follower import ModelFollower

TOPIC = "OryxUpdate"


class BatchManager:
    """Records each batch it is handed; rejects the messages whose value is ``reject``, or raises on all."""

    def __init__(self, reject: str | None = None, broken: bool = False) -> None:
        self.batches: list[list[KeyMessage]] = []
        self.singles: list[KeyMessage] = []
        self._reject = reject
        self._broken = broken

    def consume_key_message(self, key: str | None, message: str) -> None:
        self.singles.append(KeyMessage(key, message))

    def consume_key_messages(self, messages: Sequence[KeyMessage]) -> list[tuple[int, Exception]]:
        if self._broken:
            raise RuntimeError("manager bug")
        self.batches.append(list(messages))
        return [
            (i, ValueError(f"cannot apply {m.message}")) for i, m in enumerate(messages) if m.message == self._reject
        ]

    def build_updates(self, new_data: Any) -> Iterable[str]:
        return []

    def close(self) -> None:
        pass


def follow_topic(messages: list[KeyMessage], manager: BatchManager) -> ModelFollower:
    """A follower started on a topic already holding ``messages``, stopped once it has caught up."""
    broker = InMemoryBroker()
    broker.create_topic(TOPIC)
    for message in messages:
        broker.append(TOPIC, message)
    follower = ModelFollower(manager, InMemoryUpdateConsumer(broker, TOPIC), poll_timeout=0.05).start()
    try:
        assert follower.wait_until_loaded(5)
        wait_for(lambda: follower.consumed + follower.failed == len(messages))
    finally:
        follower.stop()
    return follower


def test_a_manager_with_the_hook_is_a_batch_manager() -> None:
    assert isinstance(BatchManager(), ConsumesKeyMessageBatches)


def test_each_poll_goes_to_the_hook_in_order_and_never_one_by_one() -> None:
    messages = [KeyMessage(MODEL, "m")] + [KeyMessage(UP, f"up-{n}") for n in range(3)]
    manager = BatchManager()
    follower = follow_topic(messages, manager)
    assert [m for batch in manager.batches for m in batch] == messages
    assert manager.singles == []
    assert (follower.consumed, follower.failed) == (4, 0)


def test_failures_the_hook_returns_are_counted_and_logged_per_message(caplog: pytest.LogCaptureFixture) -> None:
    messages = [KeyMessage(UP, "good-1"), KeyMessage(MODEL, "bad"), KeyMessage(UP, "good-2")]
    with caplog.at_level(logging.ERROR, logger="oryx_streaming.lambda_.model_follower"):
        follower = follow_topic(messages, BatchManager(reject="bad"))
    assert (follower.consumed, follower.failed) == (2, 1)
    [record] = caplog.records
    assert record.getMessage() == "Skipping update-topic message with key 'MODEL' that the model manager rejected"
    assert record.exc_info is not None and str(record.exc_info[1]) == "cannot apply bad"


def test_a_hook_that_raises_fails_its_whole_poll_and_the_follower_carries_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broker = InMemoryBroker()
    broker.create_topic(TOPIC)
    for value in ("a", "b"):
        broker.append(TOPIC, KeyMessage(UP, value))
    manager = BatchManager(broken=True)
    follower = ModelFollower(manager, InMemoryUpdateConsumer(broker, TOPIC), poll_timeout=0.05).start()
    try:
        with caplog.at_level(logging.ERROR, logger="oryx_streaming.lambda_.model_follower"):
            wait_for(lambda: follower.failed == 2)
        assert follower.consumed == 0
        assert len(caplog.records) == 2
        manager._broken = False
        broker.append(TOPIC, KeyMessage(UP, "c"))
        wait_for(lambda: follower.consumed == 1)
        assert follower.running
        assert manager.batches == [[KeyMessage(UP, "c")]]
    finally:
        follower.stop()
