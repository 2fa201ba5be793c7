"""``oryx kafka-setup|kafka-tail|kafka-input``: Oryx 2's Kafka helpers, on confluent-kafka instead of the
console tools (so they work without a Kafka installation on the client machine)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from oryx_cli.options import config_from
from oryx_core.config import ConfigError, OryxConfig, topic_settings


def kafka_setup(args: argparse.Namespace) -> int:
    from oryx_core.topics.admin import TopicAdmin

    config = config_from(args)
    topics = topic_settings(config)
    wanted_isr = args.min_insync_replicas
    if wanted_isr is not None and not 1 <= wanted_isr <= args.replication_factor:
        raise ConfigError(
            "--min-insync-replicas", f"must be between 1 and --replication-factor {args.replication_factor}"
        )
    admin = TopicAdmin(topics.input_broker)
    admin.wait_until_ready(args.timeout)
    print(f"Kafka brokers: {topics.input_broker}")
    print(f"Input topic:   {topics.input_topic}")
    print(f"Update topic:  {topics.update_topic}")
    if topics.update_topic is None:
        raise ConfigError("oryx.update-topic.message.topic", "is null; there is no update topic to create")
    created = admin.create_oryx_topics(
        topics.input_topic,
        topics.update_topic,
        input_partitions=args.input_partitions,
        replication_factor=args.replication_factor,
        min_insync_replicas=args.min_insync_replicas,
        max_message_bytes=topics.max_message_bytes,
    )
    print("Created: " + (", ".join(created) if created else "nothing (both topics already exist)"))
    for name in (topics.input_topic, topics.update_topic):
        print(f"{name}: {admin.describe(name)}")
    return 0


def kafka_tail(args: argparse.Namespace) -> int:
    """Prints ``topic<TAB>key<TAB>message`` for both topics until interrupted (or --max-messages)."""
    from confluent_kafka import Consumer

    config = config_from(args)
    topics = topic_settings(config)
    consumer = Consumer(
        {
            "bootstrap.servers": topics.input_broker,
            "group.id": f"OryxGroup-Tail-{time.time_ns()}",
            "auto.offset.reset": "earliest" if args.from_beginning else "latest",
            "enable.auto.commit": False,
            "max.partition.fetch.bytes": topics.max_message_bytes,
            "fetch.max.bytes": max(topics.max_message_bytes, 52_428_800),
        }
    )
    consumer.subscribe([t for t in (topics.input_topic, topics.update_topic) if t])
    shown = 0
    try:
        while args.max_messages is None or shown < args.max_messages:
            record = consumer.poll(1.0)
            if record is None or record.error():
                continue
            key = record.key().decode() if record.key() else ""
            value = (record.value() or b"").decode("utf-8", errors="replace")
            print(f"{record.topic()}\t{key}\t{value}", flush=True)
            shown += 1
    finally:
        consumer.close()
    return 0


def send_lines(lines: Iterable[str], config: OryxConfig, total: int | None, out: TextIO) -> int:
    """Sends lines to the input topic with a progress bar; returns how many the broker acknowledged."""
    from oryx_core.topics.messages import input_key
    from oryx_core.topics.producer import TopicProducer

    topics = topic_settings(config)
    sent = 0
    started = time.monotonic()
    with TopicProducer(topics.input_broker, topics.input_topic, linger_ms=50) as producer:
        for line in lines:
            producer.send(input_key(line), line)
            sent += 1
            if sent % 5000 == 0:
                _progress(out, sent, total, started)
        producer.flush()
    _progress(out, sent, total, started)
    out.write("\n")
    return sent


def _progress(out: TextIO, sent: int, total: int | None, started: float) -> None:
    rate = sent / max(time.monotonic() - started, 1e-6)
    if total:
        filled = int(30 * sent / total)
        out.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {sent}/{total} lines ({rate:,.0f}/s)")
    else:
        out.write(f"\r{sent} lines ({rate:,.0f}/s)")
    out.flush()


def kafka_input(args: argparse.Namespace) -> int:
    config = config_from(args)
    path = Path(args.input_file)
    if not path.is_file():
        raise ConfigError("--input-file", f"no such file: {path}")
    with path.open(encoding="utf-8") as handle:
        lines = [line.rstrip("\r\n") for line in handle]
    lines = [line for line in lines if line][args.skip_lines :]
    sent = send_lines(lines, config, len(lines), sys.stderr)
    print(f"Sent {sent} lines from {path} to {topic_settings(config).input_topic}")
    return 0


def register(sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]) -> None:
    setup = sub.add_parser(
        "kafka-setup",
        help="create the input and update topics with Oryx 2's settings",
        description="Create the input topic (4 partitions) and the update topic (1 partition, 1-day retention, "
        "max message = oryx.update-topic.message.max-size); existing topics are left alone.",
    )
    common(setup)
    setup.add_argument("--input-partitions", type=int, default=4)
    setup.add_argument("--replication-factor", type=int, default=1)
    setup.add_argument(
        "--min-insync-replicas",
        type=int,
        default=None,
        help="replicas that must have a write before it is acknowledged (2 with replication 3 on a cluster)",
    )
    setup.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the broker")
    setup.set_defaults(handler=kafka_setup)

    tail = sub.add_parser("kafka-tail", help="print messages arriving on both topics")
    common(tail)
    tail.add_argument("--from-beginning", action="store_true", help="start at the earliest offsets")
    tail.add_argument("--max-messages", type=int, default=None, help="stop after this many messages")
    tail.set_defaults(handler=kafka_tail)

    send = sub.add_parser("kafka-input", help="send a file's lines to the input topic")
    common(send)
    send.add_argument("--input-file", required=True, metavar="F", help="text file, one input line per line")
    send.add_argument("--skip-lines", type=int, default=0, help="skip this many leading lines (e.g. 1 for a header)")
    send.set_defaults(handler=kafka_input)
