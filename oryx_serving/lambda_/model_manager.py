"""The serving layer's model follower: a daemon thread that replays the update topic into the app's manager.

As in Oryx 2, the serving layer keeps no state of its own: at start it reads the whole update topic from the
earliest offset (a random consumer group), so every instance rebuilds the same model, then keeps following
it. A message the app cannot apply is logged and skipped; one bad message must not stop the model updating.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from flask import Flask, current_app

from oryx_core.api.batched_updates import ConsumesKeyMessageBatches
from oryx_core.api.serving import ServingModelManager
from oryx_core.classnames import instantiate
from oryx_core.config import ConfigError, OryxConfig, topic_settings
from oryx_core.topics.admin import TopicAdmin
from oryx_core.topics.consumer import UpdateTopicConsumer
from oryx_core.topics.messages import MODEL, MODEL_REF, UP, KeyMessage
from oryx_serving.lambda_.input import InputProducer, build_input_producer
from oryx_serving.lambda_.settings import MODEL_MANAGER_KEY, ServingSettings

log = logging.getLogger(__name__)

EXTENSION_KEY = "oryx"
_POLL_SECONDS = 0.2
"""Short polls bound how long shutdown waits for the follower; an idle poll costs the broker little."""
_LAG_REFRESH_SECONDS = 5.0
"""How often the follower asks the broker how far behind it is (for ``/metrics``); two metadata requests."""
_LAG_TIMEOUT_SECONDS = 2.0
_KEY_LABELS = (MODEL, MODEL_REF, UP, "other")


class UpdateConsumer(Protocol):
    """What the follower needs from ``UpdateTopicConsumer`` (or the in-memory fake in unit tests)."""

    def poll(self, timeout: float) -> Sequence[KeyMessage]: ...

    def close(self) -> None: ...


@runtime_checkable
class OffsetReporting(Protocol):
    """Consumers that can tell how far behind they are (both real and in-memory ones can); used for metrics."""

    def end_offsets(self, timeout: float = 10.0) -> dict[int, int]: ...

    def position(self, timeout: float = 10.0) -> dict[int, int]: ...


class UpdateFollower:
    """Feeds every update-topic message, in order, to ``ServingModelManager.consume_key_message`` (or each
    poll's messages at once to ``consume_key_messages`` when the manager is a ``ConsumesKeyMessageBatches``)."""

    def __init__(self, consumer: UpdateConsumer, manager: ServingModelManager) -> None:
        self._consumer = consumer
        self._manager = manager
        self._batch_manager = manager if isinstance(manager, ConsumesKeyMessageBatches) else None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="oryx-serving-update-follower", daemon=True)
        self.consumed = 0
        """Messages handed to the manager so far, failed ones included (read by tests, logs and metrics)."""
        self.failed = 0
        self.consumed_by_key: Counter[str] = Counter({key: 0 for key in _KEY_LABELS})
        """By key, unknown keys counted as "other": anyone who can write the topic must not add label values."""
        self.models_applied = 0
        """MODEL / MODEL-REF messages applied: the model generation this process has reached."""
        self.last_applied_at: float | None = None
        """Wall-clock time of the last message applied, or None before any."""
        self.lag: int | None = None
        """Messages on the update topic not yet consumed, refreshed every few seconds; None when unknown."""
        self._lag_checked = 0.0

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Stops polling, then closes the consumer from this thread once the poller has let go of it."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("Update-topic follower did not stop within %.0f s; leaving its consumer open", timeout)
            return
        try:
            self._consumer.close()
        except Exception:
            log.exception("Closing the update-topic consumer failed")

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                messages = self._consumer.poll(_POLL_SECONDS)
            except Exception:
                log.exception("Polling the update topic failed; retrying")
                self._stop.wait(_POLL_SECONDS)
                continue
            if self._batch_manager is not None and messages:
                self._apply_batch(self._batch_manager, messages)
            else:
                for message in messages:
                    if self._stop.is_set():
                        return
                    self._apply(message)
            self._refresh_lag()

    def _apply(self, message: KeyMessage) -> None:
        try:
            self._manager.consume_key_message(message.key, message.message)
        except Exception:
            self.failed += 1
            log.exception("Skipping update-topic message with key %r that could not be applied", message.key)
        else:
            if message.key in (MODEL, MODEL_REF):
                self.models_applied += 1
            self.last_applied_at = time.time()
        finally:
            self.consumed_by_key[message.key if message.key in _KEY_LABELS else "other"] += 1
            self.consumed += 1

    def _apply_batch(self, manager: ConsumesKeyMessageBatches, messages: Sequence[KeyMessage]) -> None:
        """Counts and logs as ``_apply`` does for each message; a raise (a broken manager) fails them all."""
        try:
            failures = dict(manager.consume_key_messages(messages))
        except Exception as error:
            failures = dict.fromkeys(range(len(messages)), error)
        for position, message in enumerate(messages):
            error = failures.get(position)
            if error is not None:
                self.failed += 1
                log.error(
                    "Skipping update-topic message with key %r that could not be applied",
                    message.key,
                    exc_info=(type(error), error, error.__traceback__),
                )
            elif message.key in (MODEL, MODEL_REF):
                self.models_applied += 1
            self.consumed_by_key[message.key if message.key in _KEY_LABELS else "other"] += 1
        if len(failures) < len(messages):
            self.last_applied_at = time.time()
        self.consumed += len(messages)

    def _refresh_lag(self) -> None:
        """Done in this thread because a Kafka consumer must not be used from two threads at once."""
        now = time.monotonic()
        if now - self._lag_checked < _LAG_REFRESH_SECONDS or not isinstance(self._consumer, OffsetReporting):
            return
        self._lag_checked = now
        try:
            ends = self._consumer.end_offsets(_LAG_TIMEOUT_SECONDS)
            positions = self._consumer.position(_LAG_TIMEOUT_SECONDS)
        except Exception as e:
            log.debug("Could not measure the update-topic lag: %s", e)
            self.lag = None
            return
        self.lag = sum(max(0, end - positions.get(p, 0)) for p, end in ends.items())


@dataclass(eq=False)
class OryxServingState:
    """Everything a view needs, kept in ``app.extensions["oryx"]`` rather than in module globals."""

    config: OryxConfig
    model_manager: ServingModelManager
    input_producer: InputProducer | None
    read_only: bool
    min_model_load_fraction: float
    follower: UpdateFollower | None = None
    loaded_enough: bool = False
    """Latched once the model first reaches ``min_model_load_fraction`` (see ``errors.require_model``)."""
    input_lines_sent: int = 0
    """Lines the broker has acknowledged from this process's write endpoints (for ``/metrics``)."""
    _closed: bool = field(default=False, repr=False)
    _counter_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count_input_lines(self, lines: int) -> None:
        with self._counter_lock:
            self.input_lines_sent += lines

    def close(self) -> None:
        """Stops the follower, flushes and closes the input producer, closes the manager; safe to repeat."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        if self.follower is not None:
            self.follower.stop()
        if self.input_producer is not None:
            try:
                self.input_producer.close()
            except Exception:
                log.exception("Closing the input-topic producer failed")
        try:
            self.model_manager.close()
        except Exception:
            log.exception("Closing the serving model manager failed")
        log.info("Serving state closed: update-topic follower stopped, input producer flushed")


def serving_state() -> OryxServingState:
    """The current app's state, for views."""
    state: OryxServingState = current_app.extensions[EXTENSION_KEY]
    return state


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
        group_prefix="OryxGroup-ServingLayer",
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
    update_consumer: UpdateConsumer | None = None,
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
        follower=UpdateFollower(update_consumer, manager) if update_consumer is not None else None,
    )
    app.extensions[EXTENSION_KEY] = state
    atexit.register(state.close)
    if state.follower is not None:
        state.follower.start()
    return state
