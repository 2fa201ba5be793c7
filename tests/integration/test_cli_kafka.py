"""`oryx kafka-setup`, `kafka-input`, `kafka-tail` and `erase` against the real broker, run as a user runs them."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

from support.ports import free_port

from oryx_core.input.erasure import ERASE_INPUT_KEY, parse_erasure
from oryx_core.topics.admin import TopicAdmin
from oryx_core.topics.consumer import InputTopicReader

ORYX = [sys.executable, "-m", "oryx_cli"]


def oryx(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ORYX, *args], cwd=cwd, text=True, capture_output=True, timeout=120, check=False)


def topic_overrides(brokers: str, input_topic: str, update_topic: str) -> list[str]:
    return [
        *("-D", f"oryx.input-topic.broker={brokers}"),
        *("-D", f"oryx.update-topic.broker={brokers}"),
        *("-D", f"oryx.input-topic.message.topic={input_topic}"),
        *("-D", f"oryx.update-topic.message.topic={update_topic}"),
    ]


def test_kafka_setup_creates_both_topics_with_oryx_settings(kafka_brokers: str, tmp_path: Path) -> None:
    suffix = uuid.uuid4().hex[:8]
    input_topic, update_topic = f"CliIn-{suffix}", f"CliUp-{suffix}"

    result = oryx("kafka-setup", *topic_overrides(kafka_brokers, input_topic, update_topic), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    admin = TopicAdmin(kafka_brokers)
    assert admin.describe(input_topic)["partitions"] == 4
    update = admin.describe(update_topic)
    assert update["partitions"] == 1
    assert update["configs"]["retention.ms"] == "86400000"
    assert update["configs"]["max.message.bytes"] == "16777216"
    again = oryx("kafka-setup", *topic_overrides(kafka_brokers, input_topic, update_topic), cwd=tmp_path)
    assert again.returncode == 0 and "already exist" in again.stdout


def test_kafka_input_sends_every_line_and_kafka_tail_prints_them(
    kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path
) -> None:
    input_topic, update_topic = fresh_topics
    data = tmp_path / "lines.csv"
    data.write_text("user,item,strength\n" + "".join(f"u{i},i{i},1.0\n" for i in range(50)))
    overrides = topic_overrides(kafka_brokers, input_topic, update_topic)

    sent = oryx("kafka-input", "--input-file", str(data), "--skip-lines", "1", *overrides, cwd=tmp_path)

    assert sent.returncode == 0, sent.stderr
    assert f"Sent 50 lines from {data} to {input_topic}" in sent.stdout
    reader = InputTopicReader(kafka_brokers, input_topic, f"check-{uuid.uuid4().hex}")
    try:
        values = sorted(m.message for m in reader.read_range(reader.committed_offsets(), reader.end_offsets()))
    finally:
        reader.close()
    assert values == sorted(f"u{i},i{i},1.0" for i in range(50))

    tail = oryx("kafka-tail", "--from-beginning", "--max-messages", "50", *overrides, cwd=tmp_path)
    assert tail.returncode == 0, tail.stderr
    printed = [line.split("\t") for line in tail.stdout.splitlines()]
    assert len(printed) == 50
    assert {topic for topic, _, _ in printed} == {input_topic}
    assert sorted(value for _, _, value in printed) == values


def test_kafka_setup_sets_min_insync_replicas_and_refuses_more_than_the_replicas(
    kafka_brokers: str, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:8]
    overrides = topic_overrides(kafka_brokers, f"CliIsrIn-{suffix}", f"CliIsrUp-{suffix}")

    refused = oryx("kafka-setup", "--min-insync-replicas", "2", *overrides, cwd=tmp_path)
    made = oryx("kafka-setup", "--min-insync-replicas", "1", *overrides, cwd=tmp_path)

    assert refused.returncode == 2
    assert "--min-insync-replicas: must be between 1 and --replication-factor 1" in refused.stderr
    assert made.returncode == 0, made.stderr
    admin = TopicAdmin(kafka_brokers)
    for name in (f"CliIsrIn-{suffix}", f"CliIsrUp-{suffix}"):
        assert admin.describe(name)["configs"]["min.insync.replicas"] == "1"


def test_kafka_input_to_a_broker_that_stays_down_says_where_to_resume(tmp_path: Path) -> None:
    """No traceback and no guess: the first chunk was not acknowledged, so nothing after the header is stored,
    and the message names the ``--skip-lines`` that resumes."""
    data = tmp_path / "lines.csv"
    data.write_text("user,item\n" + "".join(f"u{i},i{i}\n" for i in range(5)))
    down = f"127.0.0.1:{free_port()}"  # nothing listens there

    result = oryx(
        "kafka-input",
        "--input-file",
        str(data),
        "--skip-lines",
        "1",
        "--timeout",
        "2",
        *topic_overrides(down, "CliDownIn", "CliDownUp"),
        cwd=tmp_path,
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert "did not acknowledge lines 2-6" in result.stderr and "resume with --skip-lines 1" in result.stderr
    assert "Traceback" not in result.stderr


def test_erase_writes_one_tombstone_that_reads_back_as_the_user(
    kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path
) -> None:
    input_topic, update_topic = fresh_topics
    user = 'a,"b" ü'

    result = oryx("erase", "--user", user, *topic_overrides(kafka_brokers, input_topic, update_topic), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    reader = InputTopicReader(kafka_brokers, input_topic, f"check-{uuid.uuid4().hex}")
    try:
        [record] = list(reader.read_range(reader.committed_offsets(), reader.end_offsets()))
    finally:
        reader.close()
    assert record.key == ERASE_INPUT_KEY and parse_erasure(record.message).id_ == user
    assert record.message in result.stdout
