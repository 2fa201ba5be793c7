"""Writes lines from endpoints (``/add``, ``/ingest``, ``/pref``, ``/train``, ``DELETE /user``) to the input topic.

Each line is keyed like Oryx 2 (hex of Java's ``String.hashCode``), or by what it is when it is not data (an
erasure's tombstone, ``send_records``), and the request is acknowledged only after the broker has every line of
*this* request (``AcknowledgedWriter``), so a 204 means the data is safely in Kafka. When the broker does not
take them within ``oryx.serving.api.write-timeout-sec`` the answer is 503 with ``Retry-After``, and none of the
request's lines is left queued to arrive after it: a retry does not double them. A request with an
``Idempotency-Key`` header writes, on a retry, only the lines the broker does not hold yet (``idempotency``),
which covers the faults that rule cannot: an answer lost to a crash, a "possibly persisted" line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from flask import has_request_context, request

from oryx_core.api.serving import OryxServingError
from oryx_core.config import ConfigError, OryxConfig, topic_settings
from oryx_core.topics.acknowledged_writer import AcknowledgedWriter, Headers
from oryx_core.topics.header_scan import header_values
from oryx_core.topics.messages import input_key
from oryx_core.topics.producer import DeliveryError
from oryx_serving.lambda_.errors import check_not_read_only
from oryx_serving.lambda_.idempotency import (
    HTTP_HEADER,
    RECORD_HEADER,
    WINDOW_KEY,
    IdempotencyLedger,
    parse_key,
    record_tag,
    request_fingerprint,
)

if TYPE_CHECKING:
    from oryx_serving.lambda_.state import InputProducer, OryxServingState

log = logging.getLogger(__name__)

INPUT_UNAVAILABLE = "input topic unavailable"
WRITE_TIMEOUT_KEY = "oryx.serving.api.write-timeout-sec"
RETRY_AFTER_S = 5
"""What a 503 of a write suggests a client waits before retrying (``Retry-After``)."""


def build_input_producer(config: OryxConfig) -> AcknowledgedWriter:
    topics = topic_settings(config)
    timeout = config.get_int(WRITE_TIMEOUT_KEY)
    return AcknowledgedWriter(topics.input_broker, topics.input_topic, timeout_s=timeout, client_id="oryx-serving")


def build_idempotency_ledger(config: OryxConfig, *, connect: bool) -> IdempotencyLedger:
    """The ledger of keyed writes; it reads the input topic's recent tags when connected to a broker (else, with
    an injected producer, it starts empty)."""
    window = config.get_float(WINDOW_KEY)
    if not window > 0:
        raise ConfigError(WINDOW_KEY, f"must be a positive number of seconds; got {window}")
    topics = topic_settings(config)

    def scan(since_ms: int) -> list[str]:
        if not connect:
            return []
        return header_values(topics.input_broker, topics.input_topic, RECORD_HEADER, since_ms=since_ms)

    return IdempotencyLedger(scan, window, load_wait_s=config.get_int(WRITE_TIMEOUT_KEY))


def send_input(state: OryxServingState, lines: Iterable[str]) -> int:
    """Sends the (already normalised) lines, each keyed as Oryx 2 keyed it, and waits until the broker has them
    all; returns how many. Answers as ``send_records``."""
    return send_records(state, [(input_key(line), line) for line in lines])


def send_records(state: OryxServingState, records: Sequence[tuple[str, str]]) -> int:
    """Sends ``(key, line)`` records with the keys given and waits until the broker has them all; returns how many.

    Records keyed by what they are (an erasure's ``ERASE_INPUT_KEY``) come through here so that they get the same
    acknowledgement, ``Idempotency-Key`` and 503 rules as every other write, from this one path.
    403 in read-only mode; 503 when there is no producer or the broker did not take every record in time.
    """
    check_not_read_only(state)
    producer = state.input_producer
    if producer is None:  # only with oryx.serving.no-init-topics, Oryx 2's test flag
        raise OryxServingError(503, INPUT_UNAVAILABLE)
    key = parse_key(request.headers.get(HTTP_HEADER)) if has_request_context() else None
    ledger = state.idempotency
    if key is None or ledger is None:
        _write(producer, records, None)
        state.count_input_lines(len(records))
        return len(records)
    fingerprint = request_fingerprint(request.method, request.path, request.query_string)
    todo = ledger.begin(key, fingerprint, len(records))
    if len(todo) < len(records):
        log.info(
            "%s %r: %d of %d line(s) already on the input topic, not written again",
            HTTP_HEADER,
            key,
            len(records) - len(todo),
            len(records),
        )
    acknowledged = False
    try:
        if todo:
            tags = [[(RECORD_HEADER, record_tag(key, fingerprint, i, len(records)))] for i in todo]
            _write(producer, [records[i] for i in todo], tags)
        acknowledged = True
    finally:
        ledger.finish(key, todo, acknowledged)
    state.count_input_lines(len(todo))
    return len(records)


def _write(producer: InputProducer, records: Sequence[tuple[str | None, str]], tags: list[Headers] | None) -> None:
    try:
        producer.write(records, tags)
    except DeliveryError as e:
        log.error("Writing %d line(s) to the input topic failed: %s", len(records), e)
        raise OryxServingError(503, INPUT_UNAVAILABLE, {"Retry-After": str(RETRY_AFTER_S)}) from e
