"""The one update-topic follower (``oryx_core.topics.follower``), as both the speed layer and serving run it:
every message reaches the manager in order, bad ones are counted and skipped, polls are retried, and each poll
goes whole to a manager offering ``consume_key_messages``."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence

import pytest
from support.memory_topics import InMemoryBroker, InMemoryUpdateConsumer
from support.waiting import wait_for

from oryx_core.api.batched_updates import ConsumesKeyMessageBatches
from oryx_core.input.erasure import ERASE
from oryx_core.topics.follower import UpdateFollower
from oryx_core.topics.messages import EXPIRE, MODEL, MODEL_REF, UP, KeyMessage

TOPIC = "OryxUpdate"
LOGGER = "oryx_core.topics.follower"


class RecordingManager:
    """Applies one message at a time; rejects the messages whose value is ``reject``."""

    def __init__(self, reject: str | None = None) -> None:
        self.seen: list[KeyMessage] = []
        self._reject = reject

    def consume_key_message(self, key: str | None, message: str) -> None:
        if message == self._reject:
            raise ValueError(f"cannot apply {message}")
        self.seen.append(KeyMessage(key, message))


class BatchManager(RecordingManager):
    """Records each batch it is handed; rejects the messages whose value is ``reject``, or raises on all."""

    def __init__(self, reject: str | None = None, broken: bool = False) -> None:
        super().__init__(reject)
        self.batches: list[list[KeyMessage]] = []
        self.broken = broken

    def consume_key_messages(self, messages: Sequence[KeyMessage]) -> list[tuple[int, Exception]]:
        if self.broken:
            raise RuntimeError("manager bug")
        self.batches.append([m for m in messages if m.message != self._reject])
        return [
            (i, ValueError(f"cannot apply {m.message}")) for i, m in enumerate(messages) if m.message == self._reject
        ]


@pytest.fixture
def broker() -> InMemoryBroker:
    broker = InMemoryBroker()
    broker.create_topic(TOPIC)
    return broker


@pytest.fixture
def follow(broker: InMemoryBroker) -> Iterator[Callable[[RecordingManager], UpdateFollower]]:
    started: list[UpdateFollower] = []

    def start(manager: RecordingManager) -> UpdateFollower:
        source = InMemoryUpdateConsumer(broker, TOPIC)
        follower = UpdateFollower(manager, source, thread_name="test-follower", poll_timeout=0.05).start()
        started.append(follower)
        return follower

    yield start
    for follower in started:
        follower.stop()


def publish(broker: InMemoryBroker, *messages: tuple[str, str]) -> None:
    for key, value in messages:
        broker.append(TOPIC, KeyMessage(key, value))


def test_messages_already_on_the_topic_are_applied_in_order_before_it_counts_as_loaded(
    broker: InMemoryBroker, follow: Callable[[RecordingManager], UpdateFollower]
) -> None:
    publish(broker, (MODEL, "{}"), (UP, "a,1"))
    manager = RecordingManager()
    follower = follow(manager)
    assert follower.wait_until_loaded(5)
    assert manager.seen == [KeyMessage(MODEL, "{}"), KeyMessage(UP, "a,1")]
    assert follower.loaded


def test_messages_arriving_later_are_followed(
    broker: InMemoryBroker, follow: Callable[[RecordingManager], UpdateFollower]
) -> None:
    manager = RecordingManager()
    follower = follow(manager)
    publish(broker, (UP, "b,2"))
    wait_for(lambda: follower.consumed == 1, 5, "the later message consumed")
    assert manager.seen == [KeyMessage(UP, "b,2")]


def test_empty_topic_counts_as_loaded(follow: Callable[[RecordingManager], UpdateFollower]) -> None:
    assert follow(RecordingManager()).wait_until_loaded(5)


def test_the_thread_carries_the_name_its_layer_gave(follow: Callable[[RecordingManager], UpdateFollower]) -> None:
    follow(RecordingManager())
    assert "test-follower" in [thread.name for thread in threading.enumerate()]


def test_a_rejected_message_is_logged_counted_and_skipped_and_later_ones_applied(
    broker: InMemoryBroker, follow: Callable[[RecordingManager], UpdateFollower], caplog: pytest.LogCaptureFixture
) -> None:
    publish(broker, (UP, "good-1"), (MODEL, "bad"), (UP, "good-2"))
    manager = RecordingManager(reject="bad")
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        follower = follow(manager)
        wait_for(lambda: follower.consumed == 3, 5, "three messages consumed")
    assert [m.message for m in manager.seen] == ["good-1", "good-2"]
    assert (follower.consumed, follower.failed, follower.applied, follower.models_applied) == (3, 1, 2, 0)
    [record] = caplog.records
    assert record.getMessage() == "Skipping update-topic message with key 'MODEL' that could not be applied"
    assert record.exc_info is not None and str(record.exc_info[1]) == "cannot apply bad"


def test_counts_by_key_put_unknown_keys_under_other_and_count_model_generations(
    broker: InMemoryBroker, follow: Callable[[RecordingManager], UpdateFollower]
) -> None:
    publish(broker, (MODEL, "m1"), (UP, "u"), (MODEL_REF, "m2"), ("SOMETHING", "x"), ("ELSE", "y"), (EXPIRE, "e"))
    follower = follow(RecordingManager())
    wait_for(lambda: follower.consumed == 6, 5, "six messages consumed")
    assert dict(follower.consumed_by_key) == {MODEL: 1, MODEL_REF: 1, UP: 1, ERASE: 0, EXPIRE: 1, "other": 2}
    assert follower.models_applied == 2
    assert follower.last_applied_at is not None


def test_nothing_applied_yet_reads_as_no_time_and_the_lag_is_measured(
    broker: InMemoryBroker, follow: Callable[[RecordingManager], UpdateFollower]
) -> None:
    follower = follow(RecordingManager())
    wait_for(lambda: follower.lag == 0, 5, "the lag measured")
    assert (follower.last_applied_at, follower.consumed_by_key[UP]) == (None, 0)


class FlakySource:
    """Fails its first poll, like a broker that is briefly unreachable, then serves one message."""

    def __init__(self) -> None:
        self.polls = 0
        self.closed = 0
        self.close_thread: str | None = None

    def poll(self, timeout: float) -> list[KeyMessage]:
        self.polls += 1
        if self.polls == 1:
            raise RuntimeError("broker unreachable")
        return [KeyMessage(UP, "x,1")] if self.polls == 2 else []

    def caught_up(self) -> bool:
        return self.polls >= 2

    def close(self) -> None:
        self.closed += 1
        self.close_thread = threading.current_thread().name


def test_a_poll_failure_is_retried_rather_than_ending_the_thread() -> None:
    manager = RecordingManager()
    follower = UpdateFollower(manager, FlakySource(), thread_name="flaky", poll_timeout=0.01, retry_sec=0.01)
    follower.start()
    try:
        wait_for(lambda: follower.consumed == 1, 5, "the message after the failed poll")
        assert follower.running
        assert manager.seen == [KeyMessage(UP, "x,1")]
    finally:
        follower.stop()


def test_stop_ends_the_thread_which_closes_its_consumer_once() -> None:
    source = FlakySource()
    follower = UpdateFollower(RecordingManager(), source, thread_name="owner", poll_timeout=0.01, retry_sec=0.01)
    follower.start()
    follower.stop()
    follower.stop()
    assert not follower.running
    assert (source.closed, source.close_thread) == (1, "owner")


def test_stopping_a_follower_never_started_closes_its_consumer() -> None:
    source = FlakySource()
    UpdateFollower(RecordingManager(), source, thread_name="idle").stop()
    assert source.closed == 1


def test_a_manager_with_the_hook_is_a_batch_manager() -> None:
    assert isinstance(BatchManager(), ConsumesKeyMessageBatches)
    assert not isinstance(RecordingManager(), ConsumesKeyMessageBatches)


def test_each_poll_goes_to_the_hook_in_order_and_never_one_by_one(
    broker: InMemoryBroker, follow: Callable[[RecordingManager], UpdateFollower]
) -> None:
    publish(broker, (MODEL, "m"), (UP, "up-0"), (UP, "up-1"))
    manager = BatchManager()
    follower = follow(manager)
    assert follower.wait_until_loaded(5)
    assert manager.batches == [[KeyMessage(MODEL, "m"), KeyMessage(UP, "up-0"), KeyMessage(UP, "up-1")]]
    assert manager.seen == []
    assert (follower.consumed, follower.failed, follower.models_applied) == (3, 0, 1)
    assert follower.last_applied_at is not None


def test_failures_the_hook_returns_are_counted_and_logged_per_message(
    broker: InMemoryBroker, follow: Callable[[RecordingManager], UpdateFollower], caplog: pytest.LogCaptureFixture
) -> None:
    publish(broker, (UP, "good-1"), (MODEL, "bad"), (UP, "good-2"), ("ODD", "good-3"))
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        follower = follow(BatchManager(reject="bad"))
        wait_for(lambda: follower.consumed == 4, 5, "four messages consumed")
    assert (follower.consumed, follower.failed, follower.models_applied) == (4, 1, 0)
    assert (follower.consumed_by_key[UP], follower.consumed_by_key["other"]) == (2, 1)
    [record] = caplog.records
    assert record.getMessage() == "Skipping update-topic message with key 'MODEL' that could not be applied"
    assert record.exc_info is not None and str(record.exc_info[1]) == "cannot apply bad"


def test_a_hook_that_raises_fails_its_whole_poll_and_the_follower_carries_on(
    broker: InMemoryBroker, follow: Callable[[RecordingManager], UpdateFollower]
) -> None:
    publish(broker, (MODEL, "a"), (UP, "b"))
    manager = BatchManager(broken=True)
    follower = follow(manager)
    wait_for(lambda: follower.failed == 2, 5, "the broken poll failed")
    assert (follower.applied, follower.models_applied, follower.last_applied_at) == (0, 0, None)
    manager.broken = False
    publish(broker, (UP, "c"))
    wait_for(lambda: follower.consumed == 3, 5, "the next poll consumed")
    assert follower.running
    assert manager.batches == [[KeyMessage(UP, "c")]]
