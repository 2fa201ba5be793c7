"""What a Kafka header on every update-topic message would cost the followers: our consumer's rate, with and
without the ``oryx.generation`` header, on the same ``UP`` messages.

    .venv/bin/python benchmarks/update_headers.py [--vectors 200000] [--features 50] [--rounds 3] [--kafka-port 9092]

Needs a running broker (``infra/kafka/broker.sh start``). Why it exists: a roll back needs to know which
generation a message belongs to (``oryx_core.topics.model_generation``). Putting the header on every message
would be simplest. This measures the price, which is why only model messages (and the speed layer's few
``UP``s) carry it. The same payloads go to two fresh topics through ``TopicProducer``, one with the header on
every record. Then each topic is read whole by ``UpdateTopicConsumer.poll``, the decode the speed and serving
followers run, in interleaved rounds. Printed: the median messages per CPU second of this process, and the
header's rate as a ratio of the plain rate from the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid

import numpy as np
from confluent_kafka import Producer

from oryx_core.apps.als.messages import format_y_update
from oryx_core.topics.admin import TopicAdmin
from oryx_core.topics.consumer import UpdateTopicConsumer
from oryx_core.topics.model_generation import generation_headers
from oryx_core.topics.producer import producer_config

GENERATION = 1_700_000_000_000


def fill(brokers: str, topic: str, messages: list[str], tagged: bool) -> None:
    config = producer_config(brokers, max_message_bytes=16_777_216, linger_ms=50, client_id="bench-headers")
    config.pop("logger")
    producer = Producer(config)
    headers = [(name, value.encode()) for name, value in generation_headers(GENERATION)] if tagged else None
    for message in messages:
        while True:
            try:
                producer.produce(topic, value=message.encode(), key=b"UP", headers=headers)
                break
            except BufferError:
                producer.poll(0.1)
    producer.flush(60)


def consume_rate(brokers: str, topic: str, count: int, tagged: bool) -> float:
    """Messages per CPU second, from the first message to the last (the subscription's start-up excluded)."""
    consumer = UpdateTopicConsumer(brokers, topic, max_message_bytes=16_777_216, group_prefix="bench-headers")
    seen, first, started = 0, 0, 0.0
    try:
        while seen < count:
            batch = consumer.poll(1.0)
            if batch and not seen:
                first, started = len(batch), time.process_time()
                assert (batch[0].generation == GENERATION) == tagged
            seen += len(batch)
        return (count - first) / (time.process_time() - started)
    finally:
        consumer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vectors", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--kafka-port", type=int, default=int(os.environ.get("ORYX_KAFKA_PORT", "9092")))
    args = parser.parse_args()
    brokers = f"127.0.0.1:{args.kafka_port}"
    matrix = (np.random.default_rng(42).standard_normal((args.vectors, args.features)) * 0.1).astype(np.float32)
    messages = [format_y_update(f"i{row}", matrix[row]) for row in range(args.vectors)]
    topics = {}
    for tagged in (False, True):
        topic = f"bench-headers-{uuid.uuid4().hex[:8]}"
        TopicAdmin(brokers).create_oryx_topics(f"{topic}-input", topic)
        fill(brokers, topic, messages, tagged)
        topics[tagged] = topic
    rates: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(args.rounds):
        for tagged, topic in topics.items():
            rates[tagged].append(consume_rate(brokers, topic, args.vectors, tagged))
    plain = statistics.median(rates[False])
    print(f"{args.vectors:,} UP messages x {args.features} features, median of {args.rounds} interleaved rounds")
    print("| messages | consume msg/s (CPU) | x no header |")
    print("|---|---|---|")
    for tagged, label in ((False, "no header (ours: batch UPs)"), (True, "oryx.generation on every message")):
        rate = statistics.median(rates[tagged])
        print(f"| {label} | {rate:,.0f} | {rate / plain:.2f} |")


if __name__ == "__main__":
    main()
