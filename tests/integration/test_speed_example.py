"""The speed layer end to end on the real broker and Spark: input lines in, the example's UP updates out.

Most tests build the query in-process with the same functions ``python -m oryx_streaming`` uses, reading the
input topic from the earliest offset so the lines produced before it starts form its first micro-batch. The
crash test runs the real ``python -m oryx_streaming`` as a child process, kills it with SIGKILL mid-stream,
restarts it from its checkpoint and stops it with SIGTERM.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from speed_support import SpeedProcess, SpeedRun, process_state, send_input, update_consumer, update_messages
from support.waiting import wait_for

from oryx_core.config import OryxConfig, load_config
from oryx_core.spark import build_spark_session
from oryx_core.topics.header_scan import header_values
from oryx_core.topics.messages import MODEL, UP, KeyMessage
from oryx_core.topics.producer import TopicProducer
from oryx_streaming.apps.example import ExampleSpeedModelManager
from oryx_streaming.lambda_.published import (
    BATCH_HEADER,
    MARKER_FILE,
    Marker,
    read_marker,
    write_marker,
)

REPO = Path(__file__).resolve().parents[2]
BATCH_MODEL = '{"a":5,"z":1}'


@pytest.fixture(scope="module")
def spark_speed(kafka_brokers: str) -> Iterator[SparkSession]:
    config = load_config(
        None,
        [
            "oryx.speed.streaming.master=local[2]",
            'oryx.speed.streaming.config."spark.ui.enabled"=false',
            'oryx.speed.streaming.config."spark.sql.shuffle.partitions"=2',
        ],
    )
    spark = build_spark_session(config, "speed", app_name="OryxSpeedLayer-test")
    yield spark
    spark.stop()


@pytest.fixture
def config(kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path) -> OryxConfig:
    input_topic, update_topic = fresh_topics
    return load_config(
        None,
        [
            f"oryx.id=speed-test-{uuid.uuid4().hex[:8]}",
            f"oryx.input-topic.broker={kafka_brokers}",
            f"oryx.input-topic.message.topic={input_topic}",
            f"oryx.update-topic.broker={kafka_brokers}",
            f"oryx.update-topic.message.topic={update_topic}",
            "oryx.speed.model-manager-class=com.cloudera.oryx.example.speed.ExampleSpeedModelManager",
            "oryx.speed.streaming.generation-interval-sec=1",
            f"oryx.speed.streaming.checkpoint-dir={tmp_path}/checkpoint",
        ],
    )


def send_model(config: OryxConfig, model_json: str) -> None:
    brokers = config.get_string("oryx.update-topic.broker")
    with TopicProducer(brokers, config.get_string("oryx.update-topic.message.topic")) as producer:
        producer.send_sync(MODEL, model_json)


def ups(messages: list[KeyMessage]) -> list[str]:
    return [m.message for m in messages if m.key == UP]


def test_first_batch_publishes_exact_word_counts_on_top_of_the_model(
    spark_speed: SparkSession, config: OryxConfig
) -> None:
    send_model(config, BATCH_MODEL)
    send_input(config, ["a b", "b c"])
    run = SpeedRun(spark_speed, config, ExampleSpeedModelManager)
    try:
        assert run.manager.counts() == {"a": 5, "z": 1}
        run.query.processAllAvailable()
    finally:
        run.stop()
    assert ups(update_messages(config, expected=4)) == ["a,6", "b,2", "c,1"]
    assert run.publisher.stats.rows_in == 2


def test_restart_does_not_republish_a_batch_spark_had_not_committed(
    spark_speed: SparkSession, config: OryxConfig
) -> None:
    send_model(config, BATCH_MODEL)
    send_input(config, ["a b"])
    first = SpeedRun(spark_speed, config, ExampleSpeedModelManager)
    try:
        first.query.processAllAvailable()
    finally:
        first.stop()
    assert first.publisher.published_batch_id == 0
    # A crash after publishing but before Spark's commit: batch 0 is planned again, with the same offsets.
    commits = Path(first.checkpoint) / "commits"
    for name in ("0", ".0.crc"):
        (commits / name).unlink(missing_ok=True)
    assert (Path(first.checkpoint) / MARKER_FILE).is_file()

    send_input(config, ["c d"])
    second = SpeedRun(spark_speed, config, ExampleSpeedModelManager)
    try:
        second.query.processAllAvailable()
    finally:
        second.stop()

    assert second.publisher.stats.replayed_batches == 1
    # The restarted manager reloads only the MODEL (the example ignores UP), so c and d start from zero.
    assert ups(update_messages(config, expected=5)) == ["a,6", "b,1", "c,1", "d,1"]


def test_a_new_model_mid_stream_is_the_base_of_the_next_updates(spark_speed: SparkSession, config: OryxConfig) -> None:
    send_model(config, BATCH_MODEL)
    send_input(config, ["a b"])
    run = SpeedRun(spark_speed, config, ExampleSpeedModelManager)
    try:
        run.query.processAllAvailable()
        send_model(config, '{"a":100,"b":50}')
        wait_for(lambda: run.manager.counts() == {"a": 100, "b": 50}, 30, "the speed manager to load the new MODEL")
        send_input(config, ["a c"])
        run.query.processAllAvailable()
    finally:
        run.stop()
    assert ups(update_messages(config, expected=6)) == ["a,6", "b,1", "a,101", "c,1"]


# ---- the real process: kill -9, restart from the checkpoint, SIGTERM ------------------------------------------


class LineFeeder(threading.Thread):
    """Sends ``k<i>a k<i>b`` lines every ``interval`` seconds: two fresh words per line, so the example's UP
    for each word is ``word,1`` and every word must appear in exactly one UP, whatever the batching."""

    def __init__(self, config: OryxConfig, interval: float = 0.05) -> None:
        super().__init__(name="line-feeder", daemon=True)
        self._producer = TopicProducer(
            config.get_string("oryx.input-topic.broker"), config.get_string("oryx.input-topic.message.topic")
        )
        self._interval = interval
        self._halt = threading.Event()
        self.lines: list[str] = []

    def run(self) -> None:
        i = 0
        while not self._halt.is_set():
            line = f"k{i}a k{i}b"
            self._producer.send_sync(None, line)
            self.lines.append(line)
            i += 1
            self._halt.wait(self._interval)

    def stop(self) -> list[str]:
        self._halt.set()
        self.join(10)
        self._producer.close()
        return [word for line in self.lines for word in line.split()]


@pytest.fixture
def speed_processes(tmp_path: Path, kafka_brokers: str) -> Iterator[list[SpeedProcess]]:
    """Started processes, killed (with their Spark JVMs) if a test leaves one running."""
    started: list[SpeedProcess] = []
    yield started
    for speed in started:
        if speed.process.poll() is None:
            speed.kill()


def process_overrides(config: OryxConfig) -> list[str]:
    keys = ["oryx.id", "oryx.speed.model-manager-class", "oryx.speed.streaming.checkpoint-dir"]
    keys += [f"oryx.{t}-topic.broker" for t in ("input", "update")]
    keys += [f"oryx.{t}-topic.message.topic" for t in ("input", "update")]
    return [f"{key}={config.get_string(key)}" for key in keys] + [
        "oryx.speed.streaming.generation-interval-sec=1",
        "oryx.speed.streaming.master=local[1]",
        "oryx.speed.streaming.driver-memory=512m",
        'oryx.speed.streaming.config."spark.ui.enabled"=false',
        'oryx.speed.streaming.config."spark.sql.shuffle.partitions"=1',
    ]


def rewind_to_commit_before_marker(checkpoint: Path) -> int:
    """Turns the checkpoint a crash left into the one a crash a moment earlier would have left.

    ``L``, the last batch Spark planned, may have committed its updates, its marker and Spark's commit log
    entry. Deleting the commit entry and moving the marker back to ``L - 1`` gives exactly the state of a
    crash after ``L``'s transaction committed but before the marker was written: the case only the update
    topic's tail can settle. (If ``L``'s transaction had not committed, this is the plain abort case.)
    """
    last = max(int(f.name) for f in (checkpoint / "offsets").iterdir() if f.name.isdigit())
    for name in (str(last), f".{last}.crc"):
        (checkpoint / "commits" / name).unlink(missing_ok=True)
    marker = read_marker(checkpoint / MARKER_FILE)
    if marker is not None and marker.batch_id >= last:
        if last == 0:
            (checkpoint / MARKER_FILE).unlink()
        else:
            write_marker(checkpoint / MARKER_FILE, Marker(last - 1, marker.published_at, marker.query_id), 0)
    return last


def up_words(messages: list[KeyMessage]) -> Counter[str]:
    return Counter(message.split(",")[0] for message in ups(messages))


def test_kill_9_mid_stream_and_restart_reflects_every_line_exactly_once(
    config: OryxConfig, tmp_path: Path, speed_processes: list[SpeedProcess]
) -> None:
    state = process_state(tmp_path)
    overrides = process_overrides(config)
    first = SpeedProcess(state, overrides, tmp_path / "speed.log")
    speed_processes.append(first)
    first.wait_running()

    feeder = LineFeeder(config)
    feeder.start()
    seen: Counter[str] = Counter()
    with update_consumer(config) as watcher:
        deadline = time.monotonic() + 60
        while sum(seen.values()) < 20 and time.monotonic() < deadline:
            seen += up_words(watcher.poll(0.2))
        # Killed the moment a batch's updates become visible: Spark has most likely not committed it yet.
        wait_for(lambda: watcher.poll(0.05), 30, "a further batch's updates on the update topic")
    first.kill()
    assert sum(seen.values()) >= 20, first.log.read_text()[-4000:]

    checkpoint = Path(config.get_string("oryx.speed.streaming.checkpoint-dir"))
    last = rewind_to_commit_before_marker(checkpoint)
    update_brokers, update_topic = (
        config.get_string("oryx.update-topic.broker"),
        config.get_string("oryx.update-topic.message.topic"),
    )
    last_committed = any(tag.endswith(f":{last}") for tag in header_values(update_brokers, update_topic, BATCH_HEADER))

    second = SpeedProcess(state, overrides, tmp_path / "speed.log")
    speed_processes.append(second)
    second.wait_running()
    time.sleep(3)  # more lines while the restarted process runs
    sent_words = feeder.stop()

    expected = set(sent_words)
    deadline = time.monotonic() + 60
    while not expected <= set(up_words(update_messages(config, 0, timeout=5))) and time.monotonic() < deadline:
        time.sleep(1)

    assert second.terminate() == 0, second.log.read_text()[-4000:]
    health = second.health()
    assert health["status"] == "stopped"
    stop_log = second.log.read_text().split("Received SIGTERM", 1)[1]
    for trace in ("Traceback", "Py4JNetworkError", "ConnectionRefusedError", "ERROR"):
        assert trace not in stop_log, f"the stop logged {trace}:\n{stop_log[-4000:]}"
    published = up_words(update_messages(config, len(expected)))
    assert set(published) == expected, f"lost: {sorted(expected - set(published))[:10]}"
    assert [word for word, n in published.items() if n > 1] == []
    if last_committed:  # batch `last` was on the topic but not in the marker: the restart found it there
        assert health["replayed_batches"] == 1
        assert "already committed on the update topic" in second.log.read_text()


def test_a_backlog_is_read_in_batches_of_at_most_max_offsets_per_trigger(
    spark_speed: SparkSession, config: OryxConfig
) -> None:
    capped = load_config(None, [*process_overrides(config), "oryx.speed.streaming.max-offsets-per-trigger=3"])
    send_model(capped, BATCH_MODEL)
    send_input(capped, [f"w{i}" for i in range(10)])
    run = SpeedRun(spark_speed, capped, ExampleSpeedModelManager)
    try:
        run.query.processAllAvailable()
    finally:
        run.stop()
    assert run.publisher.stats.rows_in == 10
    # Without the cap the backlog is one batch; Spark shares the cap among partitions (rounding per partition).
    assert run.publisher.stats.batches >= 3
