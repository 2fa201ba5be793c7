"""A roll back through the one update follower: a ``MODEL`` older than the current one makes a manager that
``StartsOver`` drop its model first, and an ``UP`` computed from a newer model than the current one is skipped
and counted, both message by message and for a manager applying whole polls (``oryx_core.topics.model_generation``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from support.memory_topics import InMemoryBroker, InMemoryUpdateConsumer

from oryx_core.api.rollback import StartsOver
from oryx_core.topics.follower import UpdateFollower
from oryx_core.topics.messages import MODEL, MODEL_REF, UP, KeyMessage
from oryx_core.topics.model_generation import (
    GENERATION_HEADER,
    generation_headers,
    generation_of,
    is_rollback,
    is_stale,
)

TOPIC = "OryxUpdate"
OLD, NEW = 1_700_000_000_000, 1_700_000_060_000


class StartingOverManager:
    """Records what it applies, and "start over" where it was told to, in one log."""

    def __init__(self) -> None:
        self.log: list[str] = []

    def consume_key_message(self, key: str | None, message: str) -> None:
        self.log.append(message)

    def start_over(self) -> None:
        self.log.append("<start over>")


class BatchStartingOverManager(StartingOverManager):
    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []

    def consume_key_messages(self, messages: Sequence[KeyMessage]) -> list[tuple[int, Exception]]:
        self.batches.append([m.message for m in messages])
        self.log.extend(m.message for m in messages)
        return []


def test_the_header_names_the_generation_and_nothing_else_counts() -> None:
    [(name, value)] = generation_headers(OLD)
    assert (name, value) == (GENERATION_HEADER, str(OLD))
    assert generation_headers(None) == []
    assert generation_of([("oryx.batch", b"q-1"), (GENERATION_HEADER, str(NEW).encode())]) == NEW
    assert generation_of([(GENERATION_HEADER, b"not-a-number")]) is None
    assert generation_of([(GENERATION_HEADER, None)]) is None
    assert generation_of(None) is None and generation_of([]) is None


def test_only_a_newer_update_is_stale_and_only_an_older_model_is_a_roll_back() -> None:
    assert is_stale(NEW, OLD)
    assert not is_stale(OLD, NEW)  # a speed-layer update of the previous generation: applied, as in Oryx 2
    assert not is_stale(OLD, OLD) and not is_stale(None, OLD) and not is_stale(NEW, None)
    assert is_rollback(OLD, NEW)
    assert not is_rollback(NEW, OLD) and not is_rollback(OLD, OLD) and not is_rollback(None, NEW)


def test_key_messages_compare_by_key_and_value_only() -> None:
    assert KeyMessage(UP, "x", OLD) == KeyMessage(UP, "x")


def rolled_back_topic() -> list[KeyMessage]:
    """OLD published, NEW published, speed updates of NEW, OLD again (the roll back), a late update of NEW,
    OLD's own updates, and an update from a writer that names no generation (Oryx 2's speed layer)."""
    return [
        KeyMessage(MODEL, "old model", OLD),
        KeyMessage(UP, "old up", OLD),
        KeyMessage(MODEL_REF, "new model", NEW),
        KeyMessage(UP, "new up", NEW),
        KeyMessage(UP, "new speed up", NEW),
        KeyMessage(MODEL, "old model again", OLD),
        KeyMessage(UP, "late new speed up", NEW),
        KeyMessage(UP, "old up again", OLD),
        KeyMessage(UP, "untagged up"),
    ]


EXPECTED_LOG = [
    "old model",
    "old up",
    "new model",
    "new up",
    "new speed up",
    "<start over>",
    "old model again",
    "old up again",
    "untagged up",
]


@pytest.fixture
def broker() -> Iterator[InMemoryBroker]:
    broker = InMemoryBroker()
    broker.create_topic(TOPIC)
    for message in rolled_back_topic():
        broker.append(TOPIC, message)
    yield broker


def follow_to_the_end(manager: StartingOverManager, broker: InMemoryBroker) -> UpdateFollower:
    """The follower after it has handed over everything on the topic, stopped."""
    follower = UpdateFollower(manager, InMemoryUpdateConsumer(broker, TOPIC), thread_name="t", poll_timeout=0.05)
    follower.start()
    try:
        assert follower.wait_until_loaded(10)
    finally:
        follower.stop()
    return follower


@pytest.mark.parametrize("manager_type", [StartingOverManager, BatchStartingOverManager])
def test_a_roll_back_starts_over_and_skips_the_newer_generations_late_updates(
    broker: InMemoryBroker, manager_type: type[StartingOverManager]
) -> None:
    manager = manager_type()
    assert isinstance(manager, StartsOver)
    follower = follow_to_the_end(manager, broker)
    assert manager.log == EXPECTED_LOG
    assert (follower.stale, follower.model_generation, follower.models_applied) == (1, OLD, 3)
    assert follower.consumed == len(EXPECTED_LOG) - 1  # the stale one is counted apart, not consumed
    if isinstance(manager, BatchStartingOverManager):
        # The poll is split just before the roll back's MODEL, so the start over falls between the two parts.
        assert manager.batches[-1][0] == "old model again"


def test_a_newer_model_after_the_roll_back_applies_normally(broker: InMemoryBroker) -> None:
    broker.append(TOPIC, KeyMessage(MODEL, "newest model", NEW + 1))
    broker.append(TOPIC, KeyMessage(UP, "newest up", NEW + 1))
    manager = BatchStartingOverManager()
    follower = follow_to_the_end(manager, broker)
    assert manager.log == [*EXPECTED_LOG, "newest model", "newest up"]
    assert follower.model_generation == NEW + 1
