"""Fixtures for Oryx 2's serving tests: each app serving Oryx 2's fixed test model, fed through the update topic.

Oryx 2's resource tests hand a mock manager an in-memory model; here the real manager of each app follows the
update topic (the in-memory fake behind the real consumer interface, as in ``tests/unit/oryx_serving``) and
receives the ``MODEL`` and ``UP`` messages of ``oryx2_models``, as it would from Oryx 2's batch layer. The input
topic is the fake's too: ``Oryx2Server.input_messages`` is Oryx 2's ``MockTopicProducer.getData()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import pytest
from compat import oryx2_kmeans_models as kmeans_models
from compat import oryx2_models as models
from compat import oryx2_rdf_models as rdf_models
from flask import Flask
from flask.testing import FlaskClient
from support.memory_topics import InMemoryBroker, InMemoryProducer, InMemoryUpdateConsumer
from support.waiting import wait_for

from oryx_core.config import load_config
from oryx_core.topics.messages import KeyMessage
from oryx_serving import create_app

INPUT_TOPIC = "OryxInput"
UPDATE_TOPIC = "OryxUpdate"
READ_ONLY = "oryx.serving.api.read-only=true"


@dataclass
class Oryx2Server:
    """A serving app whose manager has applied every message published so far."""

    app: Flask
    broker: InMemoryBroker
    _cleared: int = 0

    @property
    def client(self) -> FlaskClient:
        return self.app.test_client()

    def clear_input(self) -> Oryx2Server:
        """Oryx 2's ``@Before clearProducerData``: later ``input_messages`` only show what comes after."""
        self._cleared = len(self.broker.messages(INPUT_TOPIC))
        return self

    def input_messages(self) -> list[KeyMessage]:
        """What the app wrote to the input topic since ``clear_input``: ``MockTopicProducer.getData()``."""
        return self.broker.messages(INPUT_TOPIC)[self._cleared :]

    def input_fields(self) -> list[list[str]]:
        """Each input message split on commas, after checking it has a key (``checkResponse`` asserts both)."""
        messages = self.input_messages()
        assert all(message.key is not None for message in messages)
        return [message.message.split(",") for message in messages]


def _wait_until_applied(app: Flask, published: int, timeout: float = 10.0) -> None:
    follower = app.extensions["oryx"].follower
    wait_for(lambda: follower.consumed >= published, timeout, f"all {published} update-topic messages applied")


@pytest.fixture(scope="session")
def serve() -> Iterator[Callable[..., Oryx2Server]]:
    """``serve(messages, *config_overrides)``: publishes the messages, starts the app, waits until applied.

    Session-wide: Oryx 2's resource tests never change their model (writes go to the input topic), so each
    app is started once and every test starts from ``clear_input``, as Oryx 2's tests clear the mock producer.
    """
    apps: list[Flask] = []

    def start(messages: Sequence[tuple[str, str]], *overrides: str) -> Oryx2Server:
        broker = InMemoryBroker()
        with InMemoryProducer(broker, UPDATE_TOPIC) as producer:
            for key, message in messages:
                producer.send(key, message)
        config = load_config(None, ["oryx.serving.no-init-topics=true", *overrides])
        app = create_app(
            config,
            update_consumer=InMemoryUpdateConsumer(broker, UPDATE_TOPIC),
            input_producer=InMemoryProducer(broker, INPUT_TOPIC),
        )
        apps.append(app)
        _wait_until_applied(app, len(messages))
        return Oryx2Server(app, broker)

    yield start
    for app in apps:
        app.extensions["oryx"].close()


@pytest.fixture(scope="session")
def _als(serve: Callable[..., Oryx2Server]) -> Oryx2Server:
    """``AbstractALSServingTest``: ``TestALSModelFactory``'s model with ``TestALSRescorerProvider``."""
    return serve(models.als_test_model_messages(), *models.ALS_CONFIG)


@pytest.fixture(scope="session")
def _als_read_only(serve: Callable[..., Oryx2Server]) -> Oryx2Server:
    """ALS ``ReadOnlyTest``: the same model, with a manager whose ``isReadOnly()`` is true."""
    return serve(models.als_test_model_messages(), *models.ALS_CONFIG, READ_ONLY)


@pytest.fixture(scope="session")
def _kmeans(serve: Callable[..., Oryx2Server]) -> Oryx2Server:
    """``AbstractKMeansServingTest``: ``TestKMeansModelFactory``'s three clusters."""
    return serve([("MODEL", kmeans_models.KMEANS_TEST_MODEL_PMML)], *kmeans_models.KMEANS_CONFIG)


@pytest.fixture(scope="session")
def _kmeans_read_only(serve: Callable[..., Oryx2Server]) -> Oryx2Server:
    return serve([("MODEL", kmeans_models.KMEANS_TEST_MODEL_PMML)], *kmeans_models.KMEANS_CONFIG, READ_ONLY)


@pytest.fixture(scope="session")
def _rdf(serve: Callable[..., Oryx2Server]) -> Oryx2Server:
    """``AbstractRDFServingTest``: ``TestRDFRegressionModelFactory``'s two-tree forest."""
    return serve([("MODEL", rdf_models.RDF_REGRESSION_PMML)], *rdf_models.RDF_REGRESSION_CONFIG)


@pytest.fixture(scope="session")
def _rdf_read_only(serve: Callable[..., Oryx2Server]) -> Oryx2Server:
    return serve([("MODEL", rdf_models.RDF_REGRESSION_PMML)], *rdf_models.RDF_REGRESSION_CONFIG, READ_ONLY)


@pytest.fixture(scope="session")
def _rdf_classification(serve: Callable[..., Oryx2Server]) -> Oryx2Server:
    """``ClassificationDistributionTest``: ``TestRDFClassificationModelFactory``'s forest."""
    return serve([("MODEL", rdf_models.RDF_CLASSIFICATION_PMML)], *rdf_models.RDF_CLASSIFICATION_CONFIG)


@pytest.fixture
def als(_als: Oryx2Server) -> Oryx2Server:
    return _als.clear_input()


@pytest.fixture
def als_read_only(_als_read_only: Oryx2Server) -> Oryx2Server:
    return _als_read_only.clear_input()


@pytest.fixture
def kmeans(_kmeans: Oryx2Server) -> Oryx2Server:
    return _kmeans.clear_input()


@pytest.fixture
def kmeans_read_only(_kmeans_read_only: Oryx2Server) -> Oryx2Server:
    return _kmeans_read_only.clear_input()


@pytest.fixture
def rdf(_rdf: Oryx2Server) -> Oryx2Server:
    return _rdf.clear_input()


@pytest.fixture
def rdf_read_only(_rdf_read_only: Oryx2Server) -> Oryx2Server:
    return _rdf_read_only.clear_input()


@pytest.fixture
def rdf_classification(_rdf_classification: Oryx2Server) -> Oryx2Server:
    return _rdf_classification.clear_input()
