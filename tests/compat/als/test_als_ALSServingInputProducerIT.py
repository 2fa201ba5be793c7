"""Oryx 2's ``ALSServingInputProducerIT``: the serving layer's input producer writes to the real input topic.

Three lines sent with no key through the ALS serving layer's own producer arrive on the input topic in order,
keyless and unchanged.
"""

from __future__ import annotations

import pytest
from compat import oryx2_models as models
from compat.live_serving import LiveServer, create_topics, topic_config

from oryx_core.config import load_config
from oryx_serving import create_app

pytestmark = pytest.mark.integration


def testALSInputProducer(kafka_brokers: str) -> None:
    input_topic, update_topic = create_topics(kafka_brokers, "als-input")
    config = load_config(None, [*models.ALS_CONFIG[:2], *topic_config(kafka_brokers, input_topic, update_topic)])
    app = create_app(config)
    state = app.extensions["oryx"]
    topic = LiveServer("", kafka_brokers, input_topic).clear_input()
    try:
        inputs = ["abc,123,1.5", "xyz,234,-0.5", "AB,10,0"]
        producer = state.input_producer
        assert producer is not None
        producer.write([(None, line) for line in inputs])
        messages = topic.input_messages()
        assert [message.key for message in messages] == [None, None, None]
        assert [message.message for message in messages] == inputs
    finally:
        state.close()
