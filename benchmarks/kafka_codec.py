"""Kafka compression codecs on ALS ``UP`` messages: produce and consume rates, and bytes on disk, per codec.

    .venv/bin/python benchmarks/kafka_codec.py [--vectors 210000] [--features 50] [--kafka-port 9092]

Needs a running broker (``infra/kafka/broker.sh start``). Why it exists: Oryx 2's producers use gzip, ours
``oryx_core.topics.producer.COMPRESSION_TYPE``; this prints the evidence for that choice. For each codec, in one
run: the same ``UP`` payloads (``format_y_update`` of random float32 vectors) are produced to a fresh
one-partition topic with our own producer settings (``producer_config``, only the codec changed), then read back
by a bare confluent-kafka consumer (``consume(500)``, nothing decoded). Printed: produce and consume seconds,
messages/s, the consumer's CPU seconds (inflating runs in librdkafka's threads, in this process), the topic's
size on the broker, and each figure as a ratio against gzip measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid

import numpy as np
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from oryx_core.apps.als.messages import format_y_update
from oryx_core.topics.producer import COMPRESSION_TYPE, producer_config

CODECS = ("gzip", "lz4", "zstd", "snappy", "none")


def payloads(vectors: int, features: int) -> list[str]:
    rng = np.random.default_rng(42)
    matrix = (rng.standard_normal((vectors, features)) * 0.1).astype(np.float32)
    return [format_y_update(f"i{row}", matrix[row]) for row in range(vectors)]


def produce(brokers: str, topic: str, codec: str, messages: list[str]) -> float:
    config = producer_config(brokers, max_message_bytes=16_777_216, linger_ms=50, client_id="bench-codec")
    config["compression.type"] = codec
    config.pop("logger")
    producer = Producer(config)
    start = time.perf_counter()
    for message in messages:
        while True:
            try:
                producer.produce(topic, key=b"UP", value=message.encode())
                break
            except BufferError:
                producer.poll(0.05)
    if producer.flush(600):
        raise RuntimeError(f"{codec}: messages left unsent")
    return time.perf_counter() - start


def consume(brokers: str, topic: str, count: int) -> tuple[float, float]:
    """Wall and CPU seconds to read ``count`` messages back."""
    consumer = Consumer(
        {"bootstrap.servers": brokers, "group.id": f"bench-codec-{uuid.uuid4()}", "auto.offset.reset": "earliest"}
    )
    consumer.subscribe([topic])
    start, cpu_start = time.perf_counter(), time.process_time()
    seen = 0
    while seen < count:
        seen += sum(1 for record in consumer.consume(500, 1.0) if record.error() is None)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    consumer.close()
    return seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vectors", type=int, default=210_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--kafka-port", type=int, default=int(os.environ.get("ORYX_KAFKA_PORT", "9092")))
    args = parser.parse_args()
    brokers = f"127.0.0.1:{args.kafka_port}"
    messages = payloads(args.vectors, args.features)
    admin = AdminClient({"bootstrap.servers": brokers})
    print(f"{args.vectors} UP messages of {args.features} features, {sum(map(len, messages)) / 1e6:.0f} MB of text; "
          f"our codec: {COMPRESSION_TYPE}; cpus={os.cpu_count()}", flush=True)  # fmt: skip
    rows = {}
    for codec in CODECS:
        topic = f"BenchCodec-{codec}-{uuid.uuid4().hex[:8]}"
        for future in admin.create_topics([NewTopic(topic, 1, 1)]).values():
            future.result()
        produce_seconds = produce(brokers, topic, codec, messages)
        consume_seconds, consume_cpu = consume(brokers, topic, len(messages))
        rows[codec] = (produce_seconds, consume_seconds, consume_cpu, topic_size(brokers, topic))
        for future in admin.delete_topics([topic]).values():
            future.result()
        print(f"  {codec} done", flush=True)
    gzip = rows["gzip"]
    print(f"\n{'codec':<8}{'produce msg/s':>15}{'x gzip':>8}{'consume msg/s':>15}{'x gzip':>8}"
          f"{'consume CPU s':>15}{'MB on disk':>12}{'x gzip':>8}")  # fmt: skip
    for codec, (produced, consumed, cpu, size) in rows.items():
        print(f"{codec + (' *' if codec == COMPRESSION_TYPE else ''):<8}{len(messages) / produced:>15,.0f}"
              f"{gzip[0] / produced:>8.2f}{len(messages) / consumed:>15,.0f}{gzip[1] / consumed:>8.2f}"
              f"{cpu:>15.2f}{size / 1e6:>12.1f}{size / gzip[3]:>8.2f}")  # fmt: skip
    print("(* = ours; x gzip > 1 means faster, or for the size, more bytes than gzip)")


def topic_size(brokers: str, topic: str) -> int:
    """Bytes the broker holds for the topic's one partition, from its log directory (the benchmark's local
    broker; the state folder as ``infra/kafka/broker.sh`` lays it out)."""
    state = os.environ.get("ORYX_STATE_DIR", os.path.join(os.path.dirname(__file__), "..", ".oryx"))
    folder = os.path.join(state, "kafka", f"node-{brokers.rsplit(':', 1)[1]}", "data", f"{topic}-0")
    deadline = time.monotonic() + 10
    while not os.path.isdir(folder) and time.monotonic() < deadline:
        time.sleep(0.1)
    return sum(os.path.getsize(os.path.join(folder, name)) for name in os.listdir(folder) if name.endswith(".log"))


if __name__ == "__main__":
    main()
