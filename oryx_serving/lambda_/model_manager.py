"""Builds the serving layer's state from configuration: the app's model manager (named by
``oryx.serving.model-manager-class``), the input-topic producer, and the update-topic follower thread.

As in Oryx 2, the serving layer keeps no state of its own: at start it reads the whole update topic from the
earliest offset (a random consumer group), so every instance rebuilds the same model, then keeps following it
(``oryx_core.topics.follower``, on the thread ``FOLLOWER_THREAD``).
"""

from __future__ import annotations

import atexit

from flask import Flask

from oryx_core.api.serving import ServingModelManager
from oryx_core.classnames import instantiate
from oryx_core.config import ConfigError, OryxConfig, topic_settings
from oryx_core.topics.admin import TopicAdmin
from oryx_core.topics.consumer import UpdateTopicConsumer
from oryx_core.topics.follower import UpdateFollower, UpdateSource
from oryx_serving.lambda_.input import build_idempotency_ledger, build_input_producer
from oryx_serving.lambda_.settings import MODEL_MANAGER_KEY, ServingSettings
from oryx_serving.lambda_.state import EXTENSION_KEY, InputProducer, OryxServingState

GROUP_PREFIX = "OryxGroup-ServingLayer"
FOLLOWER_THREAD = "oryx-serving-update-follower"


def build_model_manager(config: OryxConfig, settings: ServingSettings) -> ServingModelManager:
    if settings.model_manager_class is None:
        raise ConfigError(
            MODEL_MANAGER_KEY, "is not set; name the app's ServingModelManager (Oryx 2 Java or Python class)"
        )
    manager = instantiate(settings.model_manager_class, MODEL_MANAGER_KEY, config)
    if not isinstance(manager, ServingModelManager):
        raise ConfigError(
            MODEL_MANAGER_KEY,
            f"{settings.model_manager_class!r} is not a ServingModelManager "
            "(needs consume_key_message, get_model and close)",
        )
    return manager


def update_topic_of(config: OryxConfig) -> tuple[str, str]:
    """The update topic's broker and name; the serving layer cannot run without them (unlike the batch layer)."""
    topics = topic_settings(config)
    if topics.update_broker is None:
        raise ConfigError("oryx.update-topic.broker", "is null, but the serving layer reads its model from it")
    if topics.update_topic is None:
        raise ConfigError("oryx.update-topic.message.topic", "is null, but the serving layer reads its model from it")
    return topics.update_broker, topics.update_topic


def build_update_consumer(config: OryxConfig) -> UpdateTopicConsumer:
    broker, topic = update_topic_of(config)
    return UpdateTopicConsumer(
        broker,
        topic,
        max_message_bytes=config.get_int("oryx.update-topic.message.max-size"),
        group_prefix=GROUP_PREFIX,
    )


def require_topics(config: OryxConfig, *, read_only: bool) -> None:
    """Oryx 2's start-up check ("Topic X does not exist; did you create it?"); read-only needs no input topic."""
    broker, topic = update_topic_of(config)
    TopicAdmin(broker).require_topics(topic)
    if not read_only:
        topics = topic_settings(config)
        TopicAdmin(topics.input_broker).require_topics(topics.input_topic)


def init_app(
    app: Flask,
    config: OryxConfig,
    *,
    model_manager: ServingModelManager | None = None,
    input_producer: InputProducer | None = None,
    update_consumer: UpdateSource | None = None,
) -> OryxServingState:
    """Builds the manager, producer and follower from config (or takes injected fakes) and starts following.

    ``oryx.serving.no-init-topics`` (Oryx 2's test flag) creates no Kafka client; read-only mode creates no
    producer at all, so a read-only instance needs no input topic (Oryx 2 still demanded one, spec section 8).
    """
    settings = ServingSettings.from_config(config)
    manager = model_manager if model_manager is not None else build_model_manager(config, settings)
    connect = not settings.no_init_topics
    needs_producer = not settings.read_only and input_producer is None
    if connect and (update_consumer is None or needs_producer):
        require_topics(config, read_only=settings.read_only)
    producer = input_producer if not settings.read_only else None
    if producer is None and needs_producer and connect:
        producer = build_input_producer(config)
    if update_consumer is None and connect:
        try:
            update_consumer = build_update_consumer(config)
        except BaseException:
            if producer is not None and producer is not input_producer:
                producer.close()
            raise
    state = OryxServingState(
        config=config,
        model_manager=manager,
        input_producer=producer,
        read_only=settings.read_only,
        min_model_load_fraction=settings.min_model_load_fraction,
        follower=(
            UpdateFollower(manager, update_consumer, thread_name=FOLLOWER_THREAD)
            if update_consumer is not None
            else None
        ),
        idempotency=(
            build_idempotency_ledger(config, connect=producer is not input_producer) if producer is not None else None
        ),
    )
    app.extensions[EXTENSION_KEY] = state
    atexit.register(state.close)
    if state.follower is not None:
        state.follower.start()
    if state.idempotency is not None:
        state.idempotency.start()
    return state
