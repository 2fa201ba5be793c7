"""Shared by the speed-layer integration tests: input/update topic I/O and ``python -m oryx_streaming`` as a child."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from oryx_core.config import OryxConfig
from oryx_core.topics.consumer import UpdateTopicConsumer
from oryx_core.topics.messages import KeyMessage
from oryx_core.topics.producer import TopicProducer

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
