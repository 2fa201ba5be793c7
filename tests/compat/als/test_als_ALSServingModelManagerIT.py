"""Oryx 2's ``ALSServingModelManagerIT``: ``MockALSModelUpdateGenerator``'s ten messages through the real broker.

As upstream, the serving layer starts first, then a ``MODEL`` and nine ``UP`` messages are produced to the real
update topic; the manager's model then holds exactly the generator's vectors and known items. (Upstream sleeps
five seconds; this waits until the follower has applied all ten messages.)
"""

from __future__ import annotations

import numpy as np
import pytest
from compat import oryx2_models as models
from compat.live_serving import create_topics, publish, topic_config
from support.waiting import wait_for

from oryx_core.config import load_config
from oryx_serving import create_app

pytestmark = pytest.mark.integration


def testALSServingModel(kafka_brokers: str) -> None:
    input_topic, update_topic = create_topics(kafka_brokers, "als-manager")
    config = load_config(None, [*models.ALS_CONFIG[:2], *topic_config(kafka_brokers, input_topic, update_topic)])
    app = create_app(config)
    state = app.extensions["oryx"]
    try:
        messages = models.mock_als_update_messages(10)
        publish(kafka_brokers, update_topic, messages)
        wait_for(lambda: state.follower.consumed >= len(messages), 60, "the follower applying all 10 messages")
        assert state.follower.failed == 0

        manager = state.model_manager
        assert manager is not None
        model = manager.get_model()
        assert model is not None
        assert model.features == 2
        assert model.implicit
        assert set(model.item_ids()) == set(models.MOCK_ALS_Y)
        assert model.yty_solver() is not None
        for user, vector in models.MOCK_ALS_X.items():
            assert model.user_vector(user).tolist() == np.float32(vector.values).tolist()
        for item, vector in models.MOCK_ALS_Y.items():
            assert model.item_vector(item).tolist() == np.float32(vector.values).tolist()
        for user, known in models.MOCK_ALS_A.items():
            assert model.known_items_of(user) == set(known)
    finally:
        state.close()
