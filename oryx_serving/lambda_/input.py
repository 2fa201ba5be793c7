"""Writes lines from endpoints (``/add``, ``/ingest``, ``/pref``, ``/train``) to the input topic.

Each line is keyed like Oryx 2 (hex of Java's ``String.hashCode``), and the request is acknowledged only
after the broker has every line of *this* request (``AcknowledgedWriter``), so a 204 means the data is safely in
Kafka. When the broker does not take them within ``oryx.serving.api.write-timeout-sec`` the answer is 503 with
``Retry-After``, and none of the request's lines is left queued to arrive after it: a retry does not double them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from oryx_core.api.serving import OryxServingError
from oryx_core.config import OryxConfig, topic_settings
from oryx_core.topics.acknowledged_writer import AcknowledgedWriter
from oryx_core.topics.messages import input_key
from oryx_core.topics.producer import DeliveryError
from oryx_serving.lambda_.errors import check_not_read_only

if TYPE_CHECKING:
    from oryx_serving.lambda_.state import OryxServingState

log = logging.getLogger(__name__)

INPUT_UNAVAILABLE = "input topic unavailable"
WRITE_TIMEOUT_KEY = "oryx.serving.api.write-timeout-sec"
RETRY_AFTER_S = 5
"""What a 503 of a write suggests a client waits before retrying (``Retry-After``)."""


def build_input_producer(config: OryxConfig) -> AcknowledgedWriter:
    topics = topic_settings(config)
    timeout = config.get_int(WRITE_TIMEOUT_KEY)
    return AcknowledgedWriter(topics.input_broker, topics.input_topic, timeout_s=timeout, client_id="oryx-serving")


def send_input(state: OryxServingState, lines: Iterable[str]) -> int:
    """Sends the (already normalised) lines and waits until the broker has them all; returns how many.

    403 in read-only mode; 503 when there is no producer or the broker did not take every line in time.
    """
    check_not_read_only(state)
    producer = state.input_producer
    if producer is None:  # only with oryx.serving.no-init-topics, Oryx 2's test flag
        raise OryxServingError(503, INPUT_UNAVAILABLE)
    records = [(input_key(line), line) for line in lines]
    try:
        producer.write(records)
    except DeliveryError as e:
        log.error("Writing %d line(s) to the input topic failed: %s", len(records), e)
        raise OryxServingError(503, INPUT_UNAVAILABLE, {"Retry-After": str(RETRY_AFTER_S)}) from e
    state.count_input_lines(len(records))
    return len(records)
