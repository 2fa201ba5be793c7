"""Session fixtures: a real Kafka broker (started and stopped by the tests themselves) and fresh topics.

The broker runs from the same jar cache as `oryx up` (the state folder) but on its own ports and with its own
data folder, wiped at the start of each session, so tests never see a developer's topics. Its client port is
``ORYX_TEST_KAFKA_PORT`` when set, else a free port picked at session start; its controller port is always a
free one. So the suite runs beside a running `oryx up` stack and beside another engineer's test run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import hypothesis_profiles  # noqa: F401  (registers and loads the Hypothesis settings profiles)
import pytest
from ci_skips import pytest_make_collect_report, pytest_runtest_makereport  # noqa: F401  (hooks)
from support.ports import free_port, free_ports

REPO = Path(__file__).resolve().parent.parent
TEST_KAFKA_PORT_ENV = "ORYX_TEST_KAFKA_PORT"
_CONFIGURED_PORT = os.environ.get(TEST_KAFKA_PORT_ENV)


def _session_broker_ports() -> tuple[int, int]:
    """The session broker's client port (ORYX_TEST_KAFKA_PORT, else a free one) and a free controller port."""
    if _CONFIGURED_PORT:
        return int(_CONFIGURED_PORT), free_port()
    client, controller = free_ports(2)
    return client, controller


TEST_KAFKA_PORT, _CONTROLLER_PORT = _session_broker_ports()
"""Chosen once, when pytest loads this file."""


def _state_dir() -> Path:
    return Path(os.environ.get("ORYX_STATE_DIR", REPO / ".oryx"))


def _infra(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ORYX_STATE_DIR": str(_state_dir()),
        "ORYX_KAFKA_PORT": str(TEST_KAFKA_PORT),
        "ORYX_KAFKA_CONTROLLER_PORT": str(_CONTROLLER_PORT),
        "ORYX_KAFKA_PORT_HINT": f"set {TEST_KAFKA_PORT_ENV} to a free port, or unset it to have one picked",
    }
    return subprocess.run(
        ["bash", str(REPO / "infra" / script), *args], env=env, text=True, capture_output=True, check=False
    )


def pytest_configure(config: pytest.Config) -> None:
    """Start whichever JVM the first SparkSession launches with the Kafka (and S3A) connector on its classpath.

    The driver classpath is fixed when the process's first session starts its JVM; a plain session started
    earlier by a unit test would otherwise hide the connector from every later streaming test.
    """
    jars = sorted((_state_dir() / "spark" / "jars").glob("*.jar"))
    if jars and "PYSPARK_SUBMIT_ARGS" not in os.environ:
        os.environ["PYSPARK_SUBMIT_ARGS"] = f"--jars {','.join(map(str, jars))}{s3a_class_path()} pyspark-shell"


def s3a_class_path() -> str:
    """``--driver-class-path`` with Hadoop's S3A jars when ``connector.sh s3a`` fetched them (infra/test.sh does).

    The class path, not ``--jars``: through ``--jars`` Spark copies the 690 MB AWS SDK bundle into the work folder
    of every new SparkContext. In local mode the executors share the driver's class path.
    """
    jars = sorted((_state_dir() / "spark" / "s3a-jars").glob("*.jar"))
    return f" --driver-class-path {os.pathsep.join(map(str, jars))}" if jars else ""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "integration" in item.path.parts or "e2e" in item.path.parts:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def kafka_brokers() -> Iterator[str]:
    """A real single-node KRaft broker on 127.0.0.1:<TEST_KAFKA_PORT>, with Spark's connector jars."""
    os.environ["ORYX_STATE_DIR"] = str(_state_dir())
    already_running = _infra("kafka/broker.sh", "status").returncode == 0
    if not already_running:
        shutil.rmtree(_state_dir() / "kafka" / f"node-{TEST_KAFKA_PORT}", ignore_errors=True)
    started = _infra("kafka/broker.sh", "start")
    if started.returncode != 0:
        pytest.fail(f"could not start the Kafka broker:\n{started.stdout}\n{started.stderr}")
    connector = _infra("spark/connector.sh", "install")
    if connector.returncode != 0:
        pytest.fail(f"could not resolve Spark's Kafka connector:\n{connector.stderr}")
    brokers = f"127.0.0.1:{TEST_KAFKA_PORT}"
    from oryx_core.topics.admin import TopicAdmin

    TopicAdmin(brokers).wait_until_ready(60)
    _warm_up_group_coordinator(brokers)
    yield brokers
    if not already_running:
        _infra("kafka/broker.sh", "stop")
        if not _CONFIGURED_PORT:  # a port picked for this session only: leave no folder named after it behind
            shutil.rmtree(_state_dir() / "kafka" / f"node-{TEST_KAFKA_PORT}", ignore_errors=True)


def _warm_up_group_coordinator(brokers: str) -> None:
    """A new broker creates __consumer_offsets on the first group request; do that once, before any test."""
    from oryx_core.topics.admin import TopicAdmin
    from oryx_core.topics.consumer import InputTopicReader

    admin = TopicAdmin(brokers)
    if not admin.topic_exists("oryx-test-warmup"):
        admin.create_oryx_topics("oryx-test-warmup", "oryx-test-warmup-update")
    reader = InputTopicReader(brokers, "oryx-test-warmup", "oryx-test-warmup-group")
    try:
        reader.commit({0: 0})
    finally:
        reader.close()


@pytest.fixture
def fresh_topics(kafka_brokers: str) -> tuple[str, str]:
    """A new input/update topic pair with Oryx 2's settings, unique to the test."""
    from oryx_core.topics.admin import TopicAdmin

    suffix = uuid.uuid4().hex[:10]
    input_topic, update_topic = f"OryxInput-{suffix}", f"OryxUpdate-{suffix}"
    TopicAdmin(kafka_brokers).create_oryx_topics(input_topic, update_topic)
    return input_topic, update_topic
