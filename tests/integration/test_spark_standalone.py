"""The batch generation and the speed query on a real Spark standalone cluster: a master and two workers.

``infra/spark/standalone.sh`` starts the master and the workers as separate JVMs from the pyspark installation
on 127.0.0.1; the layers only get ``oryx.{batch,speed}.streaming.master = spark://127.0.0.1:<port>`` (plus
executor sizes that fit the workers), no code change. That the work really ran on the cluster is read from the
cluster itself: the master's JSON API lists the finished application under its id, and the workers' work
folders hold the logs of that application's executors, which record the tasks they ran.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from batch_support import batch_overrides, materialize_generation, produce, update_messages
from dagster import DagsterInstance
from support.ports import free_port_block

from oryx_assets.resources import OryxConfigResource
from oryx_core.apps.example.words import count_distinct_other_words, model_from_json, parse_update
from oryx_core.config import load_config
from oryx_core.topics.consumer import UpdateTopicConsumer
from oryx_core.topics.messages import MODEL, UP, KeyMessage
from oryx_core.topics.producer import TopicProducer

REPO = Path(__file__).resolve().parents[2]
WORKERS = 2
MASTER_PORT = int(
    os.environ.get("ORYX_TEST_SPARK_MASTER_PORT")
    # standalone.sh derives the others: the master's UI on port + 1, worker i on port + 10 + 2i and its UI + 1.
    or free_port_block((0, 1, *range(10, 10 + 2 * WORKERS)))
)
LINES = ["a b c", "b d", "e", "a e", "f g a"]

# Executors sized to the workers the script starts (1 core, 1 GiB each): one 1-core executor per worker.
CLUSTER_SETTINGS = [
    "executor-cores=1",
    "executor-memory=512m",
    "num-executors=2",
    'config."spark.cores.max"=2',
    # Executors connect back to the driver: advertise loopback, not whatever the host name resolves to.
    'config."spark.driver.host"="127.0.0.1"',
    'config."spark.driver.bindAddress"="127.0.0.1"',
    'config."spark.ui.enabled"=false',
    'config."spark.sql.shuffle.partitions"=4',
]


class StandaloneCluster:
    def __init__(self, state: Path) -> None:
        self.state = state
        self.url = f"spark://127.0.0.1:{MASTER_PORT}"
        self.folder = state / "spark" / f"standalone-{MASTER_PORT}"

    def script(self, command: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "ORYX_STATE_DIR": str(self.state), "ORYX_SPARK_MASTER_PORT": str(MASTER_PORT)}
        env["ORYX_SPARK_WORKERS"] = str(WORKERS)
        return subprocess.run(
            ["bash", str(REPO / "infra/spark/standalone.sh"), command],
            env=env,
            text=True,
            capture_output=True,
            check=False,
        )

    def master_state(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{MASTER_PORT + 1}/json/", timeout=10) as response:
            return dict(json.load(response))

    def finished_app(self, app_id: str, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            apps = {app["id"]: app for app in self.master_state()["completedapps"]}
            if app_id in apps:
                return dict(apps[app_id])
            time.sleep(0.5)
        raise AssertionError(f"{app_id} not among the master's completed applications")

    def tasks_per_worker(self, app_id: str) -> dict[str, int]:
        """Tasks each worker's executors of ``app_id`` started, counted in their own logs."""
        return {
            f"work-{i}": sum(
                log.read_text(errors="replace").count("Running task")
                for log in (self.folder / f"work-{i}" / app_id).glob("*/stderr")
            )
            for i in range(WORKERS)
        }


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandaloneCluster]:
    cluster = StandaloneCluster(tmp_path_factory.mktemp("spark-standalone"))
    started = cluster.script("start")
    try:
        assert started.returncode == 0, f"{started.stdout}\n{started.stderr}"
        assert cluster.master_state()["aliveworkers"] == WORKERS
        yield cluster
    finally:
        stopped = cluster.script("stop")
        assert stopped.returncode == 0, stopped.stderr


def stop_active_session() -> None:
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    if session is not None:
        session.stop()


@pytest.fixture(autouse=True)
def no_other_spark_session() -> Iterator[None]:
    """A session left by an earlier test (local[2]) would be reused by getOrCreate; this one must be the cluster's."""
    stop_active_session()
    yield
    stop_active_session()


def layer_settings(layer: str, cluster: StandaloneCluster) -> list[str]:
    return [f"oryx.{layer}.streaming.master={cluster.url}"] + [
        f"oryx.{layer}.streaming.{setting}" for setting in CLUSTER_SETTINGS
    ]


def test_batch_generation_runs_on_the_cluster_with_exact_counts(
    cluster: StandaloneCluster, kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path
) -> None:
    from pyspark.sql import SparkSession

    local = batch_overrides(
        kafka_brokers, fresh_topics, tmp_path, "com.cloudera.oryx.example.batch.ExampleBatchLayerUpdate"
    )
    overrides = [o for o in local if not o.startswith("oryx.batch.streaming.")] + layer_settings("batch", cluster)
    oryx = OryxConfigResource(overrides=overrides)
    produce(oryx, LINES)

    materialize_generation(oryx, DagsterInstance.ephemeral(), 1_700_000_000_000)

    session = SparkSession.getActiveSession()
    assert session is not None
    assert session.sparkContext.master == cluster.url
    app_id = session.sparkContext.applicationId
    session.stop()
    models = [m for m in update_messages(oryx, 1) if m.key == MODEL]
    assert [model_from_json(m.message) for m in models] == [count_distinct_other_words(LINES)]
    app = cluster.finished_app(app_id)
    assert app["name"].startswith("OryxBatchLayer") and app["state"] == "FINISHED"
    tasks = cluster.tasks_per_worker(app_id)
    assert sum(tasks.values()) > 0, tasks
    assert all((cluster.folder / work / app_id).is_dir() for work in tasks), "an executor on every worker"
    print(f"\nbatch generation {app_id} on {cluster.url}: tasks per worker {tasks}")


# ---- the speed layer: the real `python -m oryx_streaming` process against the master -----------------------------


def speed_state(tmp_path: Path) -> Path:
    state = tmp_path / "speed-state"
    (state / "spark").mkdir(parents=True)
    (state / "spark" / "jars").symlink_to(Path(os.environ["ORYX_STATE_DIR"]) / "spark" / "jars")
    return state


def health(state: Path) -> dict[str, Any]:
    try:
        return dict(json.loads((state / "speed" / "health.json").read_text()))
    except (OSError, ValueError):
        return {}


def final_totals(messages: list[KeyMessage]) -> dict[str, int]:
    """The last ``UP`` total of each word, whichever micro-batches the lines fell into."""
    totals: dict[str, int] = {}
    for message in messages:
        if message.key == UP:
            word, count = parse_update(message.message)
            totals[word] = count
    return totals


def test_speed_query_runs_on_the_cluster_with_exact_updates(
    cluster: StandaloneCluster, kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path
) -> None:
    input_topic, update_topic = fresh_topics
    oryx_id = f"speed-cluster-{uuid.uuid4().hex[:8]}"
    overrides = [
        f"oryx.id={oryx_id}",
        f"oryx.input-topic.broker={kafka_brokers}",
        f"oryx.input-topic.message.topic={input_topic}",
        f"oryx.update-topic.broker={kafka_brokers}",
        f"oryx.update-topic.message.topic={update_topic}",
        "oryx.speed.model-manager-class=com.cloudera.oryx.example.speed.ExampleSpeedModelManager",
        "oryx.speed.streaming.generation-interval-sec=1",
        "oryx.speed.streaming.driver-memory=512m",
        f"oryx.speed.streaming.checkpoint-dir={tmp_path}/checkpoint",
        *layer_settings("speed", cluster),
    ]
    config = load_config(None, overrides)
    with TopicProducer(kafka_brokers, update_topic) as producer:
        producer.send_sync(MODEL, '{"a":5,"z":1}')
    state = speed_state(tmp_path)
    command = [sys.executable, "-m", "oryx_streaming"]
    for override in overrides:
        command += ["-D", override]
    env = {**os.environ, "ORYX_STATE_DIR": str(state)}
    env.pop("PYSPARK_SUBMIT_ARGS", None)  # the process adds the connector jars itself
    log = tmp_path / "speed.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 150
        while health(state).get("status") != "running":
            assert process.poll() is None, log.read_text()[-4000:]
            assert time.monotonic() < deadline, f"speed layer not running:\n{log.read_text()[-4000:]}"
            time.sleep(0.5)
        with TopicProducer(kafka_brokers, input_topic) as producer:
            for line in ["a b", "b c"]:
                producer.send(None, line)
            producer.flush()
        expected = {"a": 6, "b": 2, "c": 1}
        seen: list[KeyMessage] = []
        with UpdateTopicConsumer(
            kafka_brokers, update_topic, max_message_bytes=config.get_int("oryx.update-topic.message.max-size")
        ) as consumer:
            deadline = time.monotonic() + 90
            while final_totals(seen) != expected and time.monotonic() < deadline:
                seen += consumer.poll(0.5)
        process.send_signal(signal.SIGTERM)
        assert process.wait(90) == 0, log.read_text()[-4000:]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(30)

    assert final_totals(seen) == expected
    apps = [a for a in cluster.master_state()["completedapps"] if a["name"] == f"OryxSpeedLayer-{oryx_id}"]
    assert [a["state"] for a in apps] == ["FINISHED"], apps
    tasks = cluster.tasks_per_worker(apps[0]["id"])
    assert sum(tasks.values()) > 0, tasks
    print(f"\nspeed query {apps[0]['id']} on {cluster.url}: tasks per worker {tasks}")
