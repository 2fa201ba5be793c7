"""Writes lines from endpoints (``/add``, ``/ingest``, ``/pref``, ``/train``) to the input topic.

Each line is keyed like Oryx 2 (hex of Java's ``String.hashCode``), and the request is acknowledged only
after the broker has every line: ``flush`` waits for delivery, so a 204 means the data is safely in Kafka.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from oryx_core.api.serving import OryxServingError
from oryx_core.config import OryxConfig, topic_settings
from oryx_core.topics.messages import input_key
from oryx_core.topics.producer import DeliveryError, TopicProducer
from oryx_serving.lambda_.errors import check_not_read_only

if TYPE_CHECKING:
    from oryx_serving.lambda_.state import OryxServingState

log = logging.getLogger(__name__)

INPUT_UNAVAILABLE = "input topic unavailable"


def build_input_producer(config: OryxConfig) -> TopicProducer:
    topics = topic_settings(config)
    return TopicProducer(topics.input_broker, topics.input_topic, client_id="oryx-serving")


def send_input(state: OryxServingState, lines: Iterable[str]) -> int:
    """Sends the (already normalised) lines and waits until the broker has them all; returns how many.

    403 in read-only mode; 503 when there is no producer or the broker did not take every line.
    """
    check_not_read_only(state)
    producer = state.input_producer
    if producer is None:  # only with oryx.serving.no-init-topics, Oryx 2's test flag
        raise OryxServingError(503, INPUT_UNAVAILABLE)
    sent = 0
    try:
        for line in lines:
            producer.send(input_key(line), line)
            sent += 1
        producer.flush()
    except (DeliveryError, BufferError) as e:
        log.error("Writing %d line(s) to the input topic failed: %s", sent, e)
        raise OryxServingError(503, INPUT_UNAVAILABLE) from e
    state.count_input_lines(sent)
    return sent
