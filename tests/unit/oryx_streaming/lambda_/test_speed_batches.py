"""The foreachBatch function, tested without a stream: what reaches the update topic, once, and when."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest
from support.readiness_table import READINESS_STATES

from oryx_core.api.readiness import is_ready
from oryx_core.api.speed import ReportsLoadFraction
from oryx_core.topics.messages import UP, KeyMessage
from oryx_core.topics.model_generation import GENERATION_HEADER
from oryx_core.topics.producer import TransactionError
from oryx_streaming.lambda_.batches import BatchAbortedError, BatchPublisher
from oryx_streaming.lambda_.published import (
    BATCH_HEADER,
    MARKER_FILE,
    SCAN_MARGIN_MS,
    Marker,
    marker_path,
    read_marker,
    read_published_batch,
    write_marker,
)

NAME = "oryx-speed-echo"
QUERY_ID = "3f6e0d2a-query"
TAG_PREFIX = f"{NAME}:{QUERY_ID}:"


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


class LoadingManager(EchoManager):
    """A manager whose model loads gradually, like ALS's."""

    def __init__(self, fraction: float | None) -> None:
        super().__init__()
        self.fraction = fraction

    def fraction_loaded(self) -> float | None:
        return self.fraction


class FakeUpdateTopic:
    """The transactional producer and the tail scan over one list of committed transactions."""

    def __init__(self) -> None:
        self.transactions: list[tuple[str, list[KeyMessage]]] = []
        self.scans: list[int | None] = []
        self.fail_with: str | None = None

    def publish(self, records: Iterable[tuple[str | None, str]], *, headers: Sequence[tuple[str, str]] = ()) -> int:
        pending = [KeyMessage(key, message) for key, message in records]  # an iterable that raises aborts
        if self.fail_with is not None:
            raise TransactionError(self.fail_with)
        if pending:
            generation = dict(headers).get(GENERATION_HEADER)
            pending = [KeyMessage(m.key, m.message, None if generation is None else int(generation)) for m in pending]
            self.transactions.append((dict(headers)[BATCH_HEADER], pending))
        return len(pending)

    def scan_tags(self, since_ms: int | None) -> list[str]:
        self.scans.append(since_ms)
        return [tag for tag, records in self.transactions for _ in records]

    def messages(self) -> list[KeyMessage]:
        return [record for _, records in self.transactions for record in records]

    def tags(self) -> list[str]:
        return [tag for tag, _ in self.transactions]


@pytest.fixture
def topic() -> FakeUpdateTopic:
    return FakeUpdateTopic()


@pytest.fixture
def checkpoint(tmp_path: Path) -> Path:
    return tmp_path / "checkpoint"


def publisher_for(
    topic: FakeUpdateTopic,
    checkpoint: Path | None,
    manager: EchoManager | None = None,
    *,
    query_id: str | None = QUERY_ID,
    **options: Any,
) -> BatchPublisher:
    return BatchPublisher(
        manager or EchoManager(),
        topic,
        None if checkpoint is None else marker_path(checkpoint),
        query_name=NAME,
        scan_tags=topic.scan_tags,
        query_id=query_id,
        **options,
    )


def test_a_batch_is_published_as_up_in_one_transaction_tagged_with_query_and_batch(
    topic: FakeUpdateTopic, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    publisher_for(topic, checkpoint)(batch_of("a b", "c"), 0)
    assert topic.transactions == [(f"{TAG_PREFIX}0", [KeyMessage(UP, "a b!"), KeyMessage(UP, "c!")])]


def test_updates_name_the_generation_of_the_model_they_were_computed_from(
    topic: FakeUpdateTopic, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    generation: list[int | None] = [None]
    publisher = publisher_for(topic, checkpoint, model_generation=lambda: generation[0])
    publisher(batch_of("a"), 0)
    generation[0] = 1_700_000_000_000
    publisher(batch_of("b"), 1)
    assert [m.generation for m in topic.messages()] == [None, 1_700_000_000_000]


def test_empty_batch_does_not_ask_the_manager_or_open_a_transaction(
    topic: FakeUpdateTopic, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    manager = EchoManager()
    publisher_for(topic, checkpoint, manager)(batch_of(), 0)
    assert manager.batches == []
    assert topic.transactions == []


def test_published_batch_and_query_are_recorded_in_the_checkpoint_side_file(
    topic: FakeUpdateTopic, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    publisher_for(topic, checkpoint)(batch_of("x"), 7)
    marker = read_marker(checkpoint / MARKER_FILE)
    assert marker is not None
    assert (marker.batch_id, marker.query_id) == (7, QUERY_ID)


def test_batch_replayed_after_restart_is_skipped_by_the_marker_without_a_scan(
    topic: FakeUpdateTopic, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    publisher_for(topic, checkpoint)(batch_of("x"), 3)
    scans_before = len(topic.scans)
    restarted_manager = EchoManager()
    restarted = publisher_for(topic, checkpoint, restarted_manager)
    restarted(batch_of("x"), 3)
    assert restarted_manager.batches == []
    assert topic.messages() == [KeyMessage(UP, "x!")]
    assert restarted.stats.replayed_batches == 1
    assert len(topic.scans) == scans_before


def test_batch_committed_but_not_marked_before_a_crash_is_found_on_the_topic_and_skipped(
    topic: FakeUpdateTopic, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    publisher_for(topic, checkpoint)(batch_of("x"), 3)
    publisher_for(topic, checkpoint)(batch_of("y"), 4)
    # The crash: batch 4's transaction committed, the marker still says 3.
    marked_at = time.time() - 10
    write_marker(checkpoint / MARKER_FILE, Marker(3, marked_at, QUERY_ID), 1)
    restarted_manager = EchoManager()
    restarted = publisher_for(topic, checkpoint, restarted_manager)
    restarted(batch_of("y"), 4)
    assert restarted_manager.batches == []
    assert topic.messages() == [KeyMessage(UP, "x!"), KeyMessage(UP, "y!")]
    assert read_published_batch(checkpoint / MARKER_FILE) == 4
    assert topic.scans[-1] == int(marked_at * 1000) - SCAN_MARGIN_MS


def test_without_a_local_marker_the_topic_alone_tells_what_was_published(
    topic: FakeUpdateTopic, batch_of: Callable[..., Any]
) -> None:
    publisher_for(topic, None)(batch_of("x"), 0)
    restarted_manager = EchoManager()
    restarted = publisher_for(topic, None, restarted_manager)
    restarted(batch_of("x"), 0)
    restarted(batch_of("y"), 1)
    assert restarted_manager.batches == [["y"]]
    assert topic.tags() == [f"{TAG_PREFIX}0", f"{TAG_PREFIX}1"]
    assert topic.scans[-1] is None  # no marker time: the scan is bounded by record count instead


def test_batches_of_an_older_checkpoint_on_the_topic_do_not_hide_a_new_querys_batches(
    topic: FakeUpdateTopic, tmp_path: Path, batch_of: Callable[..., Any]
) -> None:
    publisher_for(topic, tmp_path / "old", query_id="old-query")(batch_of("x"), 0)
    fresh = publisher_for(topic, tmp_path / "new", query_id="new-query")
    fresh(batch_of("y"), 0)
    assert topic.tags() == [f"{NAME}:old-query:0", f"{NAME}:new-query:0"]


def test_a_marker_written_by_another_query_is_ignored(
    topic: FakeUpdateTopic, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    write_marker(checkpoint / MARKER_FILE, Marker(5, time.time(), "another-query"), 1)
    publisher_for(topic, checkpoint)(batch_of("x"), 2)
    assert topic.tags() == [f"{TAG_PREFIX}2"]


def test_the_topic_is_scanned_once_per_process(
    topic: FakeUpdateTopic, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    publisher = publisher_for(topic, checkpoint)
    for batch_id in range(3):
        publisher(batch_of(f"line {batch_id}"), batch_id)
    assert len(topic.scans) == 1
    assert len(topic.transactions) == 3


def test_failed_transaction_fails_the_batch_and_leaves_the_marker(
    topic: FakeUpdateTopic, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    publisher_for(topic, checkpoint)(batch_of("x"), 0)
    topic.fail_with = "broker down"
    with pytest.raises(TransactionError):
        publisher_for(topic, checkpoint)(batch_of("y"), 1)
    assert read_published_batch(checkpoint / MARKER_FILE) == 0


def test_manager_failure_fails_the_batch_and_releases_the_cached_data(
    topic: FakeUpdateTopic, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    batch = batch_of("x")
    with pytest.raises(ValueError, match="bad batch"):
        publisher_for(topic, checkpoint, FailingManager())(batch, 0)
    assert batch.unpersisted
    assert read_published_batch(checkpoint / MARKER_FILE) is None


def test_batch_starting_after_pause_is_aborted_unpublished(
    topic: FakeUpdateTopic, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    publisher = publisher_for(topic, checkpoint)
    publisher.pause()
    with pytest.raises(BatchAbortedError):
        publisher(batch_of("x"), 0)
    assert topic.transactions == []


def test_a_batch_waits_for_the_query_id_bound_after_start(
    topic: FakeUpdateTopic, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    publisher = publisher_for(topic, checkpoint, query_id=None)
    threading.Timer(0.2, publisher.bind_query, args=("late-id",)).start()
    publisher(batch_of("x"), 0)
    assert topic.tags() == [f"{NAME}:late-id:0"]


def test_a_batch_without_a_bound_query_id_fails_unpublished(
    topic: FakeUpdateTopic, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    publisher = publisher_for(topic, checkpoint, query_id=None, bind_timeout=0.05)
    with pytest.raises(RuntimeError, match="no query id"):
        publisher(batch_of("x"), 0)
    assert topic.transactions == []


def test_stats_count_rows_and_updates_per_batch(
    topic: FakeUpdateTopic, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    publisher = publisher_for(topic, checkpoint)
    publisher(batch_of("a", "b", "c"), 0)
    publisher(batch_of(), 1)
    stats = publisher.stats
    assert (stats.batches, stats.empty_batches, stats.rows_in, stats.updates_out) == (2, 1, 3, 3)
    assert (stats.last_batch_id, stats.last_rows_in, stats.last_updates_out) == (1, 0, 0)


def test_latency_runs_from_the_oldest_and_newest_lines_kafka_timestamps(
    topic: FakeUpdateTopic, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    now_ms = int(time.time() * 1000)
    publisher = publisher_for(topic, checkpoint)
    publisher(batch_of("a", "b", timestamps_ms=[now_ms - 4000, now_ms - 1000]), 0)
    stats = publisher.stats
    assert stats.last_latency_max_sec == pytest.approx(4.0, abs=0.5)
    assert stats.last_latency_min_sec == pytest.approx(1.0, abs=0.5)


def test_batch_report_gives_progress_json_the_batchs_rows_updates_and_latency(
    topic: FakeUpdateTopic, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    publisher = publisher_for(topic, checkpoint)
    publisher(batch_of("a", "b"), 4)
    report = publisher.batch_report(4)
    assert report is not None
    assert (report["batch_id"], report["rows_in"], report["updates_out"]) == (4, 2, 2)
    assert {"duration_sec", "latency_min_sec", "latency_max_sec"} <= report.keys()
    assert publisher.batch_report(5) is None


def test_on_batch_hook_sees_the_updated_stats(
    topic: FakeUpdateTopic, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    seen: list[int] = []
    publisher = publisher_for(topic, checkpoint, on_batch=lambda stats: seen.append(stats.updates_out))
    publisher(batch_of("a", "b"), 0)
    assert seen == [2]


def test_below_min_model_load_fraction_input_is_consumed_without_updates(
    topic: FakeUpdateTopic, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    manager = LoadingManager(0.5)
    publisher = publisher_for(topic, checkpoint, manager, min_model_load_fraction=0.8)
    publisher(batch_of("a", "b"), 0)
    assert manager.batches == []
    assert topic.transactions == []
    assert read_published_batch(checkpoint / MARKER_FILE) == 0  # consumed: not replayed later
    assert (publisher.stats.gated_batches, publisher.stats.rows_in) == (1, 2)


def test_updates_resume_once_the_model_reaches_min_model_load_fraction(
    topic: FakeUpdateTopic, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    manager = LoadingManager(0.5)
    publisher = publisher_for(topic, checkpoint, manager, min_model_load_fraction=0.8)
    publisher(batch_of("early"), 0)
    manager.fraction = 0.8
    publisher(batch_of("late"), 1)
    assert manager.batches == [["late"]]
    assert topic.messages() == [KeyMessage(UP, "late!")]


def test_a_manager_that_reports_no_fraction_is_never_gated(
    topic: FakeUpdateTopic, checkpoint: Path, batch_of: Callable[..., Any]
) -> None:
    assert not isinstance(EchoManager(), ReportsLoadFraction)
    publisher_for(topic, checkpoint, min_model_load_fraction=1.0)(batch_of("a"), 0)
    assert topic.messages() == [KeyMessage(UP, "a!")]


def test_marker_lives_in_local_checkpoints_only(tmp_path: Path) -> None:
    assert marker_path(f"file:{tmp_path}") == tmp_path / MARKER_FILE
    assert marker_path(f"file://{tmp_path}") == tmp_path / MARKER_FILE
    assert marker_path("hdfs://namenode/oryx/checkpoint") is None


def test_unreadable_marker_counts_as_nothing_published(tmp_path: Path) -> None:
    marker = tmp_path / MARKER_FILE
    marker.write_text("not json")
    assert read_published_batch(marker) is None


def test_marker_written_by_the_at_least_once_version_is_still_read(tmp_path: Path) -> None:
    marker = tmp_path / MARKER_FILE
    marker.write_text(json.dumps({"batch_id": 9, "updates": 3, "published_at": 1.5}))
    assert read_marker(marker) == Marker(9, 1.5, None)


@pytest.mark.parametrize(("fraction", "minimum", "expected"), READINESS_STATES)
def test_the_speed_gate_is_the_readiness_rule(
    topic: FakeUpdateTopic,
    checkpoint: Path,
    batch_of: Callable[..., Any],
    fraction: float | None,
    minimum: float,
    expected: bool,
) -> None:
    manager = LoadingManager(fraction)
    publisher_for(topic, checkpoint, manager, min_model_load_fraction=minimum)(batch_of("a"), 0)
    assert (manager.batches == [["a"]]) is expected is is_ready(fraction, minimum)
