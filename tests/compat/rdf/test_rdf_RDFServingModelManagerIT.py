"""Oryx 2's ``RDFServingModelManagerIT``: ``MockRDFClassificationModelGenerator``'s messages through the real broker.

The dummy tree splits on color (r+: not red, banana 1; r-: apple 1); two ``UP`` ``{"0":1,"1":2}`` per leaf add
banana 1 and apple 2 each, so r- ends with counts (2, 5) and r+ with (3, 4), 7 examples each.

The dummy's root names no ``defaultChild`` although its ``missingValueStrategy`` is ``defaultChild``; Oryx 2 reads
that as "missing values go negative", and so does ``oryx_core/apps/rdf/pmml.py``.
"""

from __future__ import annotations

import pytest
from compat import oryx2_rdf_models as rdf_models
from compat.live_serving import create_topics, publish, topic_config
from support.waiting import wait_for

from oryx_core.apps.rdf.trees import ClassificationLeaf, Decision
from oryx_core.config import load_config
from oryx_serving import create_app

pytestmark = pytest.mark.integration


def testRDFServingModel(kafka_brokers: str) -> None:
    input_topic, update_topic = create_topics(kafka_brokers, "rdf-manager")
    config = load_config(None, [*rdf_models.MOCK_RDF_CONFIG, *topic_config(kafka_brokers, input_topic, update_topic)])
    app = create_app(config)
    state = app.extensions["oryx"]
    try:
        messages = rdf_models.mock_rdf_messages(5)
        publish(kafka_brokers, update_topic, messages)
        wait_for(lambda: state.follower.consumed >= len(messages), 60, "the follower applying all 5 messages")
        model = state.model_manager.get_model()
        assert model is not None
        encodings = model.encodings
        assert encodings.values["color"] == ["yellow", "red"]
        assert encodings.values["fruit"] == ["banana", "apple"]
        forest = model.forest
        assert len(forest.trees) == 1
        assert forest.weights == (1.0,)
        assert len(encodings.schema.names) == 2
        root = forest.trees[0]
        assert isinstance(root, Decision)
        assert root.default_positive is False  # no defaultChild named: missing values go negative, as Oryx 2 reads it
        left, right = root.negative, root.positive
        assert isinstance(left, ClassificationLeaf) and isinstance(right, ClassificationLeaf)
        assert (left.id, right.id) == ("r-", "r+")
        assert (left.record_count, right.record_count) == (7, 7)
        assert left.counts == (2, 5)
        assert right.counts == (3, 4)
    finally:
        state.close()
