"""Shared by the speed-layer integration tests: input/update topic I/O, an in-process speed run wired as
``python -m oryx_streaming`` wires it, and ``python -m oryx_streaming`` itself as a child process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from oryx_core.config import OryxConfig
from oryx_core.topics.consumer import InputTopicReader, UpdateTopicConsumer
from oryx_core.topics.follower import UpdateFollower
from oryx_core.topics.messages import KeyMessage
from oryx_core.topics.producer import TopicProducer
from oryx_streaming.lambda_.batches import kafka_publisher
from oryx_streaming.lambda_.query import FOLLOWER_THREAD, GROUP_PREFIX, query_name, start_query

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

REPO = Path(__file__).resolve().parents[2]


def send_input(config: OryxConfig, lines: list[str]) -> None:
    brokers = config.get_string("oryx.input-topic.broker")
    with TopicProducer(brokers, config.get_string("oryx.input-topic.message.topic")) as producer:
        for line in lines:
            producer.send(None, line)
        producer.flush()


def update_consumer(config: OryxConfig, group_prefix: str = "OryxGroup-Test") -> UpdateTopicConsumer:
    return UpdateTopicConsumer(
        config.get_string("oryx.update-topic.broker"),
        config.get_string("oryx.update-topic.message.topic"),
        max_message_bytes=config.get_int("oryx.update-topic.message.max-size"),
        group_prefix=group_prefix,
    )


def input_end_offsets(config: OryxConfig) -> str:
    """Spark ``startingOffsets`` JSON at the input topic's current end: a query started with it sees only lines
    sent afterwards (not, say, the lines a batch generation already trained on)."""
    topic = config.get_string("oryx.input-topic.message.topic")
    reader = InputTopicReader(config.get_string("oryx.input-topic.broker"), topic, group_id="OryxGroup-Test-Ends")
    try:
        ends = reader.end_offsets()
    finally:
        reader.close()
    return json.dumps({topic: {str(partition): offset for partition, offset in ends.items()}})


class SpeedRun:
    """One speed-layer run in this process, wired as ``python -m oryx_streaming`` wires it: the app's manager,
    the model follower on the update topic (waited on until the model is loaded), the publisher and the query.

    ``starting_offsets`` is Spark's (``"earliest"``, or ``input_end_offsets(config)`` to skip what is already
    on the topic). Use as a context manager, or call ``stop``.
    """

    def __init__(
        self, spark: SparkSession, config: OryxConfig, manager_class: type[Any], *, starting_offsets: str = "earliest"
    ) -> None:
        self.manager = manager_class(config)
        self.follower = UpdateFollower(
            self.manager, update_consumer(config, GROUP_PREFIX), thread_name=FOLLOWER_THREAD, poll_timeout=0.2
        ).start()
        assert self.follower.wait_until_loaded(30), "speed model did not load from the update topic"
        self.checkpoint = config.get_string("oryx.speed.streaming.checkpoint-dir")
        name = query_name(manager_class)
        self.publisher, self.producer = kafka_publisher(config, self.manager, name=name, checkpoint=self.checkpoint)
        self.query = start_query(
            spark, config, self.publisher, name=name, checkpoint=self.checkpoint, starting_offsets=starting_offsets
        )
        self.publisher.bind_query(str(self.query.id))

    def wait_for_rows(self, rows: int, timeout: float = 60.0) -> None:
        """Until the query's micro-batches have read ``rows`` input lines in all (fails if the query dies)."""
        deadline = time.monotonic() + timeout
        while self.publisher.stats.rows_in < rows:
            assert self.query.isActive, f"speed query stopped: {self.query.exception()}"
            assert time.monotonic() < deadline, f"speed query read {self.publisher.stats.rows_in} of {rows} lines"
            time.sleep(0.2)

    def stop(self) -> None:
        self.publisher.pause()
        self.query.stop()
        self.follower.stop()
        self.producer.close()
        self.manager.close()

    def __enter__(self) -> SpeedRun:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def update_messages(config: OryxConfig, expected: int, timeout: float = 30.0) -> list[KeyMessage]:
    """Every message on the update topic, waiting until at least ``expected`` have arrived."""
    messages: list[KeyMessage] = []
    deadline = time.monotonic() + timeout
    with update_consumer(config) as consumer:
        while time.monotonic() < deadline and not (len(messages) >= expected and consumer.caught_up()):
            messages += consumer.poll(0.5)
    return messages


class SpeedProcess:
    """``python -m oryx_streaming`` in its own session (so SIGKILL takes its Spark JVM along, like a crash)."""

    def __init__(self, state: Path, overrides: list[str], log: Path) -> None:
        self.state = state
        env = {**os.environ, "ORYX_STATE_DIR": str(state)}
        env.pop("PYSPARK_SUBMIT_ARGS", None)  # the process adds the connector jars itself
        command = [sys.executable, "-m", "oryx_streaming"]
        for override in overrides:
            command += ["-D", override]
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.log = log

    def health(self) -> dict[str, object]:
        try:
            return dict(json.loads((self.state / "speed" / "health.json").read_text()))
        except (OSError, ValueError):
            return {}

    def wait_running(self, timeout: float = 240.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            health = self.health()
            if health.get("pid") == self.process.pid and health.get("status") == "running":
                return
            assert self.process.poll() is None, f"speed layer exited:\n{self.log.read_text()[-4000:]}"
            time.sleep(0.5)
        raise AssertionError(f"speed layer not running within {timeout:g}s:\n{self.log.read_text()[-4000:]}")

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def terminate(self, timeout: float = 90.0) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)


def process_state(tmp_path: Path) -> Path:
    """A private state folder (health.json, progress.json) sharing the session's Spark connector jars."""
    state = tmp_path / "state"
    (state / "spark").mkdir(parents=True)
    (state / "spark" / "jars").symlink_to(Path(os.environ["ORYX_STATE_DIR"]) / "spark" / "jars")
    return state
