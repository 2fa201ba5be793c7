"""Private stacks for tests that run `oryx up`: each its own state folder, sharing the session's resolved jars."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from support.ports import free_port

ORYX = [sys.executable, "-m", "oryx_cli"]

EXAMPLE_STACK = """
oryx {
  id = "%(name)sTest"
  input-topic { broker = "127.0.0.1:%(broker)d", message.topic = "%(name)sInput" }
  update-topic { broker = "127.0.0.1:%(broker)d", message.topic = "%(name)sUpdate" }
  batch {
    streaming { master = "local[1]", generation-interval-sec = 3600, driver-memory = "512m" }
    ui.port = 0
    update-class = "com.cloudera.oryx.example.batch.ExampleBatchLayerUpdate"
    storage { data-dir = "file://"${ORYX_STATE_DIR}"/data/", model-dir = "file://"${ORYX_STATE_DIR}"/model/" }
  }
  speed {
    streaming { master = "local[1]", generation-interval-sec = 1, driver-memory = "512m" }
    ui.port = 0
    model-manager-class = "com.cloudera.oryx.example.speed.ExampleSpeedModelManager"
  }
  serving {
    model-manager-class = "com.cloudera.oryx.example.serving.ExampleServingModelManager"
    application-resources = "com.cloudera.oryx.example.serving"
    api { port = %(serving)d, workers = 1, threads = 4, write-timeout-sec = %(write_timeout)d }
  }
}
"""
"""A whole stack of the example app (topics ``<name>Input``/``<name>Update``), for `oryx up` in tests."""


def example_stack_config(name: str, broker: int, serving: int, write_timeout: int = 10) -> str:
    return EXAMPLE_STACK % {"name": name, "broker": broker, "serving": serving, "write_timeout": write_timeout}


def private_state(folder: Path) -> dict[str, str]:
    """The environment of a stack whose state folder is ``folder/state``, sharing the session's resolved jars
    (the kafka_brokers fixture makes sure they exist)."""
    shared = Path(os.environ["ORYX_STATE_DIR"])
    state = folder / "state"
    (state / "kafka").mkdir(parents=True)
    (state / "spark").mkdir(parents=True)
    (state / "kafka" / "lib").symlink_to(shared / "kafka" / "lib")
    (state / "spark" / "jars").symlink_to(shared / "spark" / "jars")
    # The stack's broker takes its client port from the test's config and a free controller port from here.
    env = {**os.environ, "ORYX_STATE_DIR": str(state), "ORYX_KAFKA_CONTROLLER_PORT": str(free_port())}
    env.pop("PYSPARK_SUBMIT_ARGS", None)
    return env


def oryx_down(env: dict[str, str], folder: Path, dagster_port: int) -> None:
    subprocess.run([*ORYX, "down", "--dagster-port", str(dagster_port)], env=env, cwd=folder, check=False)
