"""Offset questions asked while following the update topic must not queue behind the follower's own fetches.

A broker answers one connection's requests in order. When the reading Consumer itself was asked for watermarks,
every question waited for its pending long-poll fetch (``fetch.wait.max.ms``, 500 ms): a readiness check
(``caught_up``, four questions) cost two seconds, the follower asked one after every poll while loading, and a
model of 22,000 vectors took 137 s to load from a real broker (one in memory took under a second). These tests
run against the real broker, since the wait exists only there.
"""

from __future__ import annotations

import time

from oryx_core.topics.consumer import UpdateTopicConsumer
from oryx_core.topics.follower import UpdateFollower
from oryx_core.topics.messages import KeyMessage
from oryx_core.topics.producer import TopicProducer

QUESTIONS = 10
FETCH_WAIT_SECONDS = 0.5
"""librdkafka's ``fetch.wait.max.ms``: what each question cost when it waited behind a fetch."""


def test_readiness_questions_on_a_followed_topic_do_not_wait_for_fetches(
    kafka_brokers: str, fresh_topics: tuple[str, str]
) -> None:
    update_topic = fresh_topics[1]
    with TopicProducer(kafka_brokers, update_topic) as producer:
        for n in range(100):
            producer.send("UP", f"message {n}")
        producer.flush(10)
    with UpdateTopicConsumer(kafka_brokers, update_topic, max_message_bytes=1_000_000) as consumer:
        read: list[KeyMessage] = []
        deadline = time.monotonic() + 30
        while len(read) < 100 and time.monotonic() < deadline:
            read += consumer.poll(0.5)
        assert len(read) == 100
        consumer.poll(0.6)  # at the end of the topic: a long-poll fetch is now pending on the reading connection
        started = time.monotonic()
        answers = [consumer.caught_up() for _ in range(QUESTIONS)]
        elapsed = time.monotonic() - started
    assert answers == [True] * QUESTIONS
    # Each caught_up asks four questions; behind fetches that was >= 4 x 0.5 s per call, 20 s in all.
    assert elapsed < QUESTIONS * FETCH_WAIT_SECONDS, f"{QUESTIONS} readiness checks took {elapsed:.1f} s"


class _CountingManager:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def consume_key_message(self, key: str | None, message: str) -> None:
        self.messages.append(message)


def test_follower_reports_loaded_soon_after_reading_a_topic_of_many_polls(
    kafka_brokers: str, fresh_topics: tuple[str, str]
) -> None:
    """5,000 messages are ten polls of 500; with a readiness check after each costing 2 s this took 20 s+."""
    update_topic = fresh_topics[1]
    with TopicProducer(kafka_brokers, update_topic, linger_ms=20) as producer:
        for n in range(5000):
            producer.send("UP", f"message {n}")
        producer.flush(30)
    manager = _CountingManager()
    consumer = UpdateTopicConsumer(kafka_brokers, update_topic, max_message_bytes=1_000_000)
    follower = UpdateFollower(manager, consumer, thread_name="test-offset-queries").start()
    try:
        started = time.monotonic()
        assert follower.wait_until_loaded(60), "the follower never reported the topic loaded"
        elapsed = time.monotonic() - started
    finally:
        follower.stop()
    assert manager.messages == [f"message {n}" for n in range(5000)]
    assert elapsed < 10 * 4 * FETCH_WAIT_SECONDS, f"loading 5,000 messages took {elapsed:.1f} s"
