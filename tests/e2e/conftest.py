"""The end-to-end tests' private stack: its own state folder, torn down with `oryx down` whatever happens."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ORYX = [sys.executable, "-m", "oryx_core.cli"]


@pytest.fixture
def stack_env(tmp_path: Path, kafka_brokers: str, request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """A private state folder sharing the session's resolved jars (kafka_brokers ensures they exist).

    The test module's ``DAGSTER_PORT`` is the port `oryx down` is told about at teardown.
    """
    shared = Path(os.environ["ORYX_STATE_DIR"])
    state = tmp_path / "state"
    (state / "kafka").mkdir(parents=True)
    (state / "spark").mkdir(parents=True)
    (state / "kafka" / "lib").symlink_to(shared / "kafka" / "lib")
    (state / "spark" / "jars").symlink_to(shared / "spark" / "jars")
    env = {**os.environ, "ORYX_STATE_DIR": str(state)}
    env.pop("PYSPARK_SUBMIT_ARGS", None)
    yield env
    port = str(request.module.DAGSTER_PORT)
    subprocess.run([*ORYX, "down", "--dagster-port", port], env=env, cwd=tmp_path, check=False)
