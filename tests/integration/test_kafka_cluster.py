"""Input survives a broker crash on a real three-node KRaft cluster (``infra/kafka/cluster.sh``).

Three combined broker + controller JVMs on 127.0.0.1 form a three-voter quorum. The input and update topics are
created as a user would, by ``oryx kafka-setup --replication-factor 3 --min-insync-replicas 2``; our
``TopicProducer`` (idempotent, ``acks=all``) sends numbered lines in small batches and counts a batch as
acknowledged only when ``flush`` returns without error, which is exactly when the serving layer answers 204.
Mid-stream the node leading most of the topic's partitions is killed with SIGKILL; the producer keeps going,
and afterwards every partition is read back in full: no acknowledged line may be missing and no line may appear
twice.

Ports: ``ORYX_TEST_KAFKA_CLUSTER_PORTS``, else three free ports whose controller ports (port + 1000) are free too.
This test does not use the session's single broker.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient
from support.chaos_report import fault_figures, report
from support.ports import free_port_block
from support.waiting import wait_for

from oryx_core.topics.admin import TopicAdmin
from oryx_core.topics.consumer import InputTopicReader
from oryx_core.topics.producer import DeliveryError, TopicProducer

REPO = Path(__file__).resolve().parents[2]


def _cluster_ports() -> list[str]:
    """Three free client ports, each with its controller port (client + 1000, as cluster.sh sets it) free."""
    ports: list[int] = []
    for _ in range(3):
        ports.append(free_port_block((0, 1000), taken=[p + offset for p in ports for offset in (0, 1000)]))
    return [str(port) for port in ports]


PORTS = os.environ.get("ORYX_TEST_KAFKA_CLUSTER_PORTS", "").split() or _cluster_ports()
TOPIC = "OryxInput-replicated"
UPDATE_TOPIC = "OryxUpdate-replicated"
PARTITIONS = 4
BATCH = 20
EACH_SIDE = max(1000, int(os.environ.get("ORYX_CHAOS_LINES", "0")) // 2)
"""Lines acknowledged before the kill, and again after it (``benchmarks/chaos.py`` raises it)."""


@dataclass
class KafkaCluster:
    state: Path
    bootstrap: str = ",".join(f"127.0.0.1:{port}" for port in PORTS)

    def script(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "ORYX_STATE_DIR": str(self.state), "ORYX_KAFKA_CLUSTER_PORTS": " ".join(PORTS)}
        return subprocess.run(
            ["bash", str(REPO / "infra/kafka/cluster.sh"), *args], env=env, text=True, capture_output=True, check=False
        )

    def admin(self) -> AdminClient:
        return AdminClient({"bootstrap.servers": self.bootstrap, "logger": logging.getLogger("kafka-cluster-admin")})

    def partitions(self) -> dict[int, tuple[int, list[int], list[int]]]:
        """partition -> (leader node id, replicas, in-sync replicas) of the input topic."""
        topic = self.admin().list_topics(TOPIC, timeout=10).topics[TOPIC]
        return {p: (m.leader, list(m.replicas), list(m.isrs)) for p, m in topic.partitions.items()}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaCluster]:
    state = tmp_path_factory.mktemp("kafka-cluster")
    (state / "kafka").mkdir()
    # The jars come from the shared cache (the session's state folder); data stays in this test's folder.
    shared = Path(os.environ.get("ORYX_STATE_DIR", REPO / ".oryx"))
    (state / "kafka" / "lib").symlink_to(shared / "kafka" / "lib")
    cluster = KafkaCluster(state)
    try:
        started = cluster.script("start")
        assert started.returncode == 0, f"{started.stdout}\n{started.stderr}"
        yield cluster
    finally:
        cluster.script("stop")


def create_replicated_topic(cluster: KafkaCluster, tmp_path: Path) -> None:
    topics = [f"oryx.input-topic.message.topic={TOPIC}", f"oryx.update-topic.message.topic={UPDATE_TOPIC}"]
    brokers = [f"oryx.input-topic.broker={cluster.bootstrap}", f"oryx.update-topic.broker={cluster.bootstrap}"]
    setup = subprocess.run(
        [sys.executable, "-m", "oryx_cli", "kafka-setup", "--input-partitions", str(PARTITIONS)]
        + ["--replication-factor", "3", "--min-insync-replicas", "2"]
        + [arg for override in topics + brokers for arg in ("-D", override)],
        cwd=tmp_path,
        text=True,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert setup.returncode == 0, setup.stderr
    admin = TopicAdmin(cluster.bootstrap)
    for name in (TOPIC, UPDATE_TOPIC):
        described = admin.describe(name)
        assert described["replication_factor"] == 3
        assert described["configs"]["min.insync.replicas"] == "2"
    deadline = time.monotonic() + 60
    while not all(leader >= 0 and len(isr) == 3 for leader, _, isr in cluster.partitions().values()):
        assert time.monotonic() < deadline, f"partitions not fully in sync: {cluster.partitions()}"
        time.sleep(0.2)


@dataclass
class Feeder:
    """Sends numbered lines in batches of ``BATCH``, remembering which batches the cluster acknowledged."""

    brokers: str
    acknowledged: list[str] = field(default_factory=list)
    in_doubt: list[str] = field(default_factory=list)
    ack_times: list[float] = field(default_factory=list)
    halt: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with TopicProducer(self.brokers, TOPIC) as producer:
            i = 0
            while not self.halt.is_set():
                lines = [f"line-{n}" for n in range(i, i + BATCH)]
                i += BATCH
                for line in lines:
                    producer.send(None, line)
                try:
                    producer.flush(timeout=60)
                except DeliveryError:
                    self.in_doubt += lines  # not acknowledged: may or may not be stored, never promised
                    continue
                self.acknowledged += lines
                self.ack_times.append(time.monotonic())
                time.sleep(0.01)


def read_everything(cluster: KafkaCluster) -> list[str]:
    with InputTopicReader(cluster.bootstrap, TOPIC, "oryx-test-readback") as reader:
        watermarks = reader.watermarks()
        start = {p: low for p, (low, _) in watermarks.items()}
        end = {p: high for p, (_, high) in watermarks.items()}
        return [message.message for message in reader.read_range(start, end, idle_timeout=60)]


def test_killing_a_broker_mid_stream_loses_and_duplicates_no_acknowledged_line(
    cluster: KafkaCluster, tmp_path: Path
) -> None:
    create_replicated_topic(cluster, tmp_path)
    assert {len(replicas) for _, replicas, _ in cluster.partitions().values()} == {3}
    feeder = Feeder(cluster.bootstrap)
    thread = threading.Thread(target=feeder.run, name="feeder", daemon=True)
    thread.start()
    try:
        wait_for(lambda: len(feeder.acknowledged) >= EACH_SIDE, 60 + EACH_SIDE / 100, "lines before the kill")
        leaders = Counter(leader for leader, _, _ in cluster.partitions().values())
        victim = PORTS[leaders.most_common(1)[0][0] - 1]
        acknowledged_before = len(feeder.acknowledged)
        killed_at = time.monotonic()
        killed = cluster.script("kill", victim)
        assert killed.returncode == 0, killed.stderr
        wait_for(
            lambda: len(feeder.acknowledged) >= acknowledged_before + EACH_SIDE,
            90 + EACH_SIDE / 100,
            "as many lines again after the kill",
        )
    finally:
        feeder.halt.set()
        thread.join(120)
    assert not thread.is_alive()

    after_kill = cluster.partitions()
    victim_id = PORTS.index(victim) + 1
    assert all(leader != victim_id and victim_id not in isr for leader, _, isr in after_kill.values()), after_kill
    stored = read_everything(cluster)
    counts = Counter(stored)
    lost = [line for line in feeder.acknowledged if line not in counts]
    assert lost == [], f"{len(lost)} acknowledged lines lost, e.g. {lost[:5]}"
    assert [line for line, n in counts.items() if n > 1] == []
    assert set(stored) <= set(feeder.acknowledged) | set(feeder.in_doubt)
    gaps = [b - a for a, b in zip(feeder.ack_times, feeder.ack_times[1:], strict=False) if b > killed_at]
    print(
        f"\nacknowledged {len(feeder.acknowledged)} lines ({acknowledged_before} before killing node {victim}), "
        f"{len(feeder.in_doubt)} in doubt, {len(stored)} stored, longest pause after the kill "
        f"{max(gaps, default=0):.2f}s"
    )
    after = feeder.acknowledged[acknowledged_before:]
    report([fault_figures("one broker of three", after, counts, None, max(gaps, default=0.0))])
