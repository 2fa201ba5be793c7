"""Oryx 2's ``TopicProducerImplTest``: a producer made for a broker address and a topic, closed unused.

Oryx 2's producer also returns its broker address (``getUpdateBroker``), which nothing reads; ours keeps only
the topic. Nothing is sent, so closing returns at once even though no broker listens on localhost:1234.
"""

from __future__ import annotations

import time

from oryx_core.topics.producer import TopicProducer


def testProducer() -> None:
    started = time.monotonic()
    with TopicProducer("localhost:1234", "DummyTopic") as producer:
        assert producer.topic == "DummyTopic"
    assert time.monotonic() - started < 5
