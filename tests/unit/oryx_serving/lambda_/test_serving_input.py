"""``send_input``: Oryx 2 keys, acknowledged only once the broker has every line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from support.memory_topics import InMemoryBroker, InMemoryProducer

from oryx_core.api.serving import OryxServingError
from oryx_core.topics.messages import KeyMessage
from oryx_serving.lambda_.input import send_input


def test_lines_go_to_the_input_topic_keyed_by_java_hash(
    make_app: Callable[..., Flask], fake_manager: Any, broker: InMemoryBroker
) -> None:
    state = make_app(model_manager=fake_manager).extensions["oryx"]
    assert send_input(state, ["a,b", "hello"]) == 2
    # Integer.toHexString(s.hashCode()): "a,b" hashes to 94679 (0x171d7), "hello" to 99162322 (0x5e918d2)
    assert broker.messages("OryxInput") == [KeyMessage("171d7", "a,b"), KeyMessage("5e918d2", "hello")]


def test_lines_are_flushed_before_send_input_returns(
    make_app: Callable[..., Flask], fake_manager: Any, broker: InMemoryBroker
) -> None:
    producer = InMemoryProducer(broker, "OryxInput")
    state = make_app(model_manager=fake_manager, input_producer=producer).extensions["oryx"]
    send_input(state, ["x"])
    assert producer.delivered_count == 1


def test_a_delivery_failure_is_503_input_topic_unavailable(
    make_app: Callable[..., Flask], fake_manager: Any, broker: InMemoryBroker
) -> None:
    state = make_app(model_manager=fake_manager).extensions["oryx"]
    broker.reject_deliveries("OryxInput", "broker down")
    with pytest.raises(OryxServingError) as raised:
        send_input(state, ["x"])
    assert (raised.value.status, raised.value.message) == (503, "input topic unavailable")


def test_read_only_is_403_and_sends_nothing(
    make_app: Callable[..., Flask], fake_manager: Any, broker: InMemoryBroker
) -> None:
    state = make_app("oryx.serving.api.read-only=true", model_manager=fake_manager).extensions["oryx"]
    with pytest.raises(OryxServingError) as raised:
        send_input(state, ["x"])
    assert (raised.value.status, raised.value.message) == (403, "Serving Layer is read-only")
    assert broker.messages("OryxInput") == []
