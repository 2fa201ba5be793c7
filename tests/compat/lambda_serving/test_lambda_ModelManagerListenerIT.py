"""Oryx 2's ``ModelManagerListenerIT``: with real topics, the serving layer builds the configured manager.

``oryx.serving.model-manager-class`` names a mock manager (as upstream's ``MockServingModelManager``: applies
nothing, has no model); the app then holds that manager, is not read-only and keeps the config.
"""

from __future__ import annotations

import pytest
from compat.live_serving import create_topics, topic_config

from oryx_core.config import OryxConfig, load_config
from oryx_serving import create_app

pytestmark = pytest.mark.integration


class MockServingModelManager:
    """Oryx 2's ``MockServingModelManager``."""

    def __init__(self, config: OryxConfig) -> None:
        self.config = config

    def consume_key_message(self, key: str | None, message: str) -> None:
        """Applies nothing."""

    def get_model(self) -> None:
        return None

    def close(self) -> None:
        """Holds nothing."""


def testListener(kafka_brokers: str) -> None:
    input_topic, update_topic = create_topics(kafka_brokers, "listener")
    config = load_config(
        None,
        [
            f"oryx.serving.model-manager-class={__name__}.MockServingModelManager",
            *topic_config(kafka_brokers, input_topic, update_topic),
        ],
    )
    state = create_app(config).extensions["oryx"]
    try:
        assert isinstance(state.model_manager, MockServingModelManager)
        assert not state.read_only
        assert state.model_manager.config is config
        assert state.follower is not None and state.input_producer is not None
    finally:
        state.close()
