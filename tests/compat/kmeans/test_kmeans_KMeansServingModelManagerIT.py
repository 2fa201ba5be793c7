"""Oryx 2's ``KMeansServingModelManagerIT``: ``MockKMeansModelGenerator``'s messages through the real broker.

The dummy model has clusters 0, 1 and 2; ``UP`` ``[id%3,[id,id],id]`` for id 1..9 replaces a cluster's center
and count, so the last ones (9, 7, 8) win: cluster 0 is (9,9) of 9 points, 1 is (7,7) of 7, 2 is (8,8) of 8.
"""

from __future__ import annotations

import pytest
from compat import oryx2_kmeans_models as kmeans_models
from compat.live_serving import create_topics, publish, topic_config
from support.waiting import wait_for

from oryx_core.config import load_config
from oryx_serving import create_app

pytestmark = pytest.mark.integration


def testKMeansServingModel(kafka_brokers: str) -> None:
    input_topic, update_topic = create_topics(kafka_brokers, "kmeans-manager")
    config = load_config(
        None, [*kmeans_models.MOCK_KMEANS_CONFIG, *topic_config(kafka_brokers, input_topic, update_topic)]
    )
    app = create_app(config)
    state = app.extensions["oryx"]
    try:
        messages = kmeans_models.mock_kmeans_messages(10)
        publish(kafka_brokers, update_topic, messages)
        wait_for(lambda: state.follower.consumed >= len(messages), 60, "the follower applying all 10 messages")
        assert state.follower.failed == 0

        model = state.model_manager.get_model()
        assert model is not None
        clusters = model.clusters
        assert clusters.ids == (0, 1, 2)
        assert clusters.centers.tolist() == [[9.0, 9.0], [7.0, 7.0], [8.0, 8.0]]
        assert clusters.counts.tolist() == [9, 7, 8]
    finally:
        state.close()
