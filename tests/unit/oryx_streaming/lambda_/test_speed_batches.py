"""The foreachBatch function, tested without a stream: what reaches the update topic, and when."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from oryx_core.topics.memory import InMemoryBroker, InMemoryProducer
from oryx_core.topics.messages import UP, KeyMessage
from oryx_core.topics.producer import DeliveryError
from oryx_streaming.lambda_.batches import (
    MARKER_FILE,
    BatchAbortedError,
    BatchPublisher,
    marker_path,
    read_published_batch,
)

TOPIC = "OryxUpdate"


class EchoManager:
    """Publishes one update per input line (``line!``) and remembers each batch it was asked about."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def consume_key_message(self, key: str | None, message: str) -> None:
        pass

    def build_updates(self, new_data: Any) -> Iterable[str]:
        lines = [row["value"] for row in new_data.select("value").collect()]
        self.batches.append(lines)
        return [f"{line}!" for line in lines]

    def close(self) -> None:
        pass


class FailingManager(EchoManager):
    def build_updates(self, new_data: Any) -> Iterable[str]:
        raise ValueError("bad batch")


@pytest.fixture
def broker() -> InMemoryBroker:
    return InMemoryBroker()


@pytest.fixture
def checkpoint(tmp_path: Path) -> Path:
    return tmp_path / "checkpoint"


def publisher_for(broker: InMemoryBroker, checkpoint: Path, manager: EchoManager | None = None) -> BatchPublisher:
    return BatchPublisher(manager or EchoManager(), InMemoryProducer(broker, TOPIC), marker_path(checkpoint))


def test_each_update_is_published_as_up_before_the_batch_returns(
    broker: InMemoryBroker, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    publisher_for(broker, checkpoint)(batch_of("a b", "c"), 0)
    assert broker.messages(TOPIC) == [KeyMessage(UP, "a b!"), KeyMessage(UP, "c!")]


def test_empty_batch_does_not_ask_the_manager(
    broker: InMemoryBroker, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    manager = EchoManager()
    publisher_for(broker, checkpoint, manager)(batch_of(), 0)
    assert manager.batches == []
    assert broker.messages(TOPIC) == []


def test_published_batch_id_is_recorded_in_the_checkpoint_side_file(
    broker: InMemoryBroker, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    publisher_for(broker, checkpoint)(batch_of("x"), 7)
    assert read_published_batch(checkpoint / MARKER_FILE) == 7


def test_batch_replayed_after_restart_is_not_published_again(
    broker: InMemoryBroker, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    publisher_for(broker, checkpoint)(batch_of("x"), 3)
    restarted_manager = EchoManager()
    restarted = publisher_for(broker, checkpoint, restarted_manager)
    restarted(batch_of("x"), 3)
    assert restarted_manager.batches == []
    assert broker.messages(TOPIC) == [KeyMessage(UP, "x!")]
    assert restarted.stats.replayed_batches == 1


def test_batch_after_the_marker_is_published_after_restart(
    broker: InMemoryBroker, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    publisher_for(broker, checkpoint)(batch_of("x"), 3)
    publisher_for(broker, checkpoint)(batch_of("y"), 4)
    assert broker.messages(TOPIC) == [KeyMessage(UP, "x!"), KeyMessage(UP, "y!")]


def test_failed_delivery_fails_the_batch_and_leaves_it_unmarked(
    broker: InMemoryBroker, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    broker.reject_deliveries(TOPIC, "broker down")
    with pytest.raises(DeliveryError):
        publisher_for(broker, checkpoint)(batch_of("x"), 0)
    assert read_published_batch(checkpoint / MARKER_FILE) is None


def test_manager_failure_fails_the_batch_and_releases_the_cached_data(
    broker: InMemoryBroker, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    batch = batch_of("x")
    with pytest.raises(ValueError, match="bad batch"):
        publisher_for(broker, checkpoint, FailingManager())(batch, 0)
    assert batch.unpersisted
    assert read_published_batch(checkpoint / MARKER_FILE) is None


def test_batch_starting_after_pause_is_aborted_unpublished(
    broker: InMemoryBroker, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    publisher = publisher_for(broker, checkpoint)
    publisher.pause()
    with pytest.raises(BatchAbortedError):
        publisher(batch_of("x"), 0)
    assert broker.messages(TOPIC) == []


def test_stats_count_rows_and_updates_per_batch(
    broker: InMemoryBroker, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    publisher = publisher_for(broker, checkpoint)
    publisher(batch_of("a", "b", "c"), 0)
    publisher(batch_of(), 1)
    stats = publisher.stats
    assert (stats.batches, stats.empty_batches, stats.rows_in, stats.updates_out) == (2, 1, 3, 3)
    assert (stats.last_batch_id, stats.last_rows_in, stats.last_updates_out) == (1, 0, 0)


def test_on_batch_hook_sees_the_updated_stats(
    broker: InMemoryBroker, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    seen: list[int] = []
    publisher = BatchPublisher(
        EchoManager(),
        InMemoryProducer(broker, TOPIC),
        marker_path(checkpoint),
        on_batch=lambda stats: seen.append(stats.updates_out),
    )
    publisher(batch_of("a", "b"), 0)
    assert seen == [2]


def test_marker_lives_in_local_checkpoints_only(tmp_path: Path) -> None:
    assert marker_path(f"file:{tmp_path}") == tmp_path / MARKER_FILE
    assert marker_path(f"file://{tmp_path}") == tmp_path / MARKER_FILE
    assert marker_path("hdfs://namenode/oryx/checkpoint") is None


def test_unreadable_marker_counts_as_nothing_published(tmp_path: Path) -> None:
    marker = tmp_path / MARKER_FILE
    marker.write_text("not json")
    assert read_published_batch(marker) is None
