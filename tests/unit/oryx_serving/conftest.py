"""Serving-layer unit fixtures: apps built by ``create_app`` over the in-memory broker, closed after each test."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from support.memory_topics import InMemoryBroker, InMemoryProducer, InMemoryUpdateConsumer
from support.waiting import wait_for

from oryx_core.config import OryxConfig, load_config
from oryx_serving import create_app
from oryx_serving.lambda_.state import OryxServingState

INPUT_TOPIC = "OryxInput"
UPDATE_TOPIC = "OryxUpdate"
EXAMPLE = [
    "oryx.serving.model-manager-class=com.cloudera.oryx.example.serving.ExampleServingModelManager",
    "oryx.serving.application-resources=com.cloudera.oryx.example.serving",
]


class FakeModel:
    def __init__(self, fraction: float) -> None:
        self.fraction = fraction

    def get_fraction_loaded(self) -> float:
        return self.fraction


class FakeManager:
    """A generic-tier stand-in: records messages, fails on key ``BAD``; no model until ``set_fraction``."""

    def __init__(self) -> None:
        self.model: FakeModel | None = None
        self.applied: list[tuple[str | None, str]] = []
        self.closed = False

    def consume_key_message(self, key: str | None, message: str) -> None:
        if key == "BAD":
            raise ValueError(f"cannot apply {message!r}")
        self.applied.append((key, message))

    def set_fraction(self, fraction: float) -> None:
        self.model = FakeModel(fraction)

    def get_model(self) -> FakeModel | None:
        return self.model

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def broker() -> InMemoryBroker:
    return InMemoryBroker()


@pytest.fixture
def publish(broker: InMemoryBroker) -> Callable[[str, str], None]:
    """Puts one message on the in-memory update topic, as the batch or speed layer would."""
    producer = InMemoryProducer(broker, UPDATE_TOPIC)

    def send(key: str, message: str) -> None:
        producer.send_sync(key, message)

    return send


@pytest.fixture
def make_app(broker: InMemoryBroker) -> Iterator[Callable[..., Flask]]:
    """``make_app(*overrides, **injected)``: no real Kafka; the update consumer and producer are in-memory."""
    apps: list[Flask] = []

    def build(*overrides: str, config: OryxConfig | None = None, **injected: Any) -> Flask:
        if config is None:
            config = load_config(None, ["oryx.serving.no-init-topics=true", *overrides])
        injected.setdefault("update_consumer", InMemoryUpdateConsumer(broker, UPDATE_TOPIC))
        injected.setdefault("input_producer", InMemoryProducer(broker, INPUT_TOPIC))
        app = create_app(config, **injected)
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["oryx"].close()


@pytest.fixture
def example_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(*EXAMPLE)


def _state_of(app: Flask) -> OryxServingState:
    state: OryxServingState = app.extensions["oryx"]
    return state


@pytest.fixture
def caught_up(broker: InMemoryBroker) -> Callable[[Flask], None]:
    """Blocks until the app's follower has handed every update-topic message so far to its manager."""

    def wait(app: Flask) -> None:
        follower = _state_of(app).follower
        assert follower is not None
        published = len(broker.messages(UPDATE_TOPIC))
        wait_for(lambda: follower.consumed >= published, 5, f"{published} update-topic messages applied")

    return wait


@pytest.fixture
def fake_manager() -> FakeManager:
    return FakeManager()


@pytest.fixture
def load_example_model(
    example_app: Flask, publish: Callable[[str, str], None], caught_up: Callable[[Flask], None]
) -> Callable[[dict[str, int]], None]:
    """Publishes a MODEL map and waits until the example app has applied it."""

    def load(counts: dict[str, int]) -> None:
        publish("MODEL", json.dumps(counts))
        caught_up(example_app)

    return load
