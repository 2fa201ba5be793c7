"""The update-topic follower: every message reaches the manager in order, bad ones are skipped."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from support.memory_topics import InMemoryBroker, InMemoryUpdateConsumer
from support.waiting import wait_for

from oryx_core.topics.messages import MODEL, UP, KeyMessage
from oryx_streaming.lambda_.model_follower import ModelFollower

TOPIC = "OryxUpdate"


class RecordingManager:
    def __init__(self, reject: str | None = None) -> None:
        self.seen: list[KeyMessage] = []
        self._reject = reject

    def consume_key_message(self, key: str | None, message: str) -> None:
        if message == self._reject:
            raise ValueError(f"cannot apply {message}")
        self.seen.append(KeyMessage(key, message))

    def build_updates(self, new_data: Any) -> Iterable[str]:
        return []

    def close(self) -> None:
        pass


@pytest.fixture
def broker() -> InMemoryBroker:
    broker = InMemoryBroker()
    broker.create_topic(TOPIC)
    return broker


@pytest.fixture
def follow(broker: InMemoryBroker) -> Iterator[Callable[[RecordingManager], ModelFollower]]:
    started: list[ModelFollower] = []

    def start(manager: RecordingManager) -> ModelFollower:
        follower = ModelFollower(manager, InMemoryUpdateConsumer(broker, TOPIC), poll_timeout=0.05).start()
        started.append(follower)
        return follower

    yield start
    for follower in started:
        follower.stop()


def test_messages_already_on_the_topic_are_applied_in_order(
    broker: InMemoryBroker, follow: Callable[[RecordingManager], ModelFollower]
) -> None:
    broker.append(TOPIC, KeyMessage(MODEL, "{}"))
    broker.append(TOPIC, KeyMessage(UP, "a,1"))
    manager = RecordingManager()
    follower = follow(manager)
    assert follower.wait_until_loaded(5)
    assert manager.seen == [KeyMessage(MODEL, "{}"), KeyMessage(UP, "a,1")]


def test_messages_arriving_later_are_followed(
    broker: InMemoryBroker, follow: Callable[[RecordingManager], ModelFollower]
) -> None:
    manager = RecordingManager()
    follower = follow(manager)
    broker.append(TOPIC, KeyMessage(UP, "b,2"))
    wait_for(lambda: follower.consumed == 1)
    assert manager.seen == [KeyMessage(UP, "b,2")]


def test_rejected_message_is_skipped_and_later_ones_applied(
    broker: InMemoryBroker, follow: Callable[[RecordingManager], ModelFollower]
) -> None:
    for value in ("good-1", "bad", "good-2"):
        broker.append(TOPIC, KeyMessage(UP, value))
    manager = RecordingManager(reject="bad")
    follower = follow(manager)
    wait_for(lambda: follower.consumed == 2)
    assert [m.message for m in manager.seen] == ["good-1", "good-2"]
    assert follower.failed == 1


def test_empty_topic_counts_as_loaded(follow: Callable[[RecordingManager], ModelFollower]) -> None:
    assert follow(RecordingManager()).wait_until_loaded(5)


class FlakySource:
    """Fails its first poll, like a broker that is briefly unreachable, then serves one message."""

    def __init__(self) -> None:
        self.polls = 0
        self.closed = False

    def poll(self, timeout: float) -> list[KeyMessage]:
        self.polls += 1
        if self.polls == 1:
            raise RuntimeError("broker unreachable")
        return [KeyMessage(UP, "x,1")] if self.polls == 2 else []

    def caught_up(self) -> bool:
        return self.polls >= 2

    def close(self) -> None:
        self.closed = True


def test_poll_failure_is_retried_rather_than_ending_the_thread() -> None:
    manager = RecordingManager()
    follower = ModelFollower(manager, FlakySource(), poll_timeout=0.01, retry_sec=0.01).start()
    try:
        wait_for(lambda: follower.consumed == 1)
        assert follower.running
    finally:
        follower.stop()


def test_stop_ends_the_thread_and_closes_the_consumer() -> None:
    source = FlakySource()
    follower = ModelFollower(RecordingManager(), source, poll_timeout=0.01, retry_sec=0.01).start()
    follower.stop()
    assert not follower.running
    assert source.closed
