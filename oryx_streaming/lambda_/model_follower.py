"""Keeps the speed layer's model current: a daemon thread reading the update topic into the app's manager.

As in Oryx 2, the speed layer reads the whole update topic from the earliest offset with a fresh consumer group
(``OryxGroup-SpeedLayer-<uuid>``), so a restart rebuilds the model from the topic alone. A message the manager
cannot apply is logged and skipped; consumption goes on, because one bad update must not freeze the model.

A manager that also implements ``ConsumesKeyMessageBatches`` gets each poll's messages in one call (ALS parses
and stores a run of ``UP`` vectors at once, several times faster than one message at a time); the follower
counts and logs its failures exactly as it does one by one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Protocol

from oryx_core.api.batched_updates import ConsumesKeyMessageBatches
from oryx_core.api.speed import SpeedModelManager
from oryx_core.topics.messages import KeyMessage

log = logging.getLogger(__name__)

GROUP_PREFIX = "OryxGroup-SpeedLayer"


class UpdateSource(Protocol):
    """The part of ``UpdateTopicConsumer`` (and of its in-memory fake) the follower needs."""

    def poll(self, timeout: float) -> list[KeyMessage]: ...

    def caught_up(self) -> bool: ...

    def close(self) -> None: ...


class ModelFollower:
    """Feeds every update-topic message to ``manager.consume_key_message`` on a background daemon thread (or
    each poll's messages to ``consume_key_messages`` when the manager is a ``ConsumesKeyMessageBatches``)."""

    def __init__(
        self, manager: SpeedModelManager, source: UpdateSource, *, poll_timeout: float = 1.0, retry_sec: float = 1.0
    ) -> None:
        self._manager = manager
        self._batch_manager = manager if isinstance(manager, ConsumesKeyMessageBatches) else None
        self._source = source
        self._poll_timeout = poll_timeout
        self._retry_sec = retry_sec
        self._stop = threading.Event()
        self._loaded = threading.Event()
        self._thread = threading.Thread(target=self._run, name="oryx-speed-model-follower", daemon=True)
        self.consumed = 0
        self.failed = 0

    def start(self) -> ModelFollower:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stops polling and closes the consumer (from the follower thread, which owns it)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("Model follower did not stop within %.1f s", timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    @property
    def loaded(self) -> bool:
        """True once everything that was on the update topic when the follower started has been applied."""
        return self._loaded.is_set()

    def wait_until_loaded(self, timeout: float) -> bool:
        return self._loaded.wait(timeout)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                messages = self._poll()
                if self._batch_manager is not None and messages:
                    self._apply_batch(self._batch_manager, messages)
                else:
                    for key_message in messages:
                        self._apply(key_message)
                if not self._loaded.is_set():
                    self._check_loaded()
        finally:
            try:
                self._source.close()
            except Exception:
                log.exception("Closing the update-topic consumer failed")

    def _poll(self) -> list[KeyMessage]:
        try:
            return self._source.poll(self._poll_timeout)
        except Exception:
            # A broker outage must not end the thread: the model would silently stop following the topic.
            log.exception("Polling the update topic failed; retrying in %.1f s", self._retry_sec)
            self._stop.wait(self._retry_sec)
            return []

    def _check_loaded(self) -> None:
        # Asked from this thread because the consumer is not shared; only until the first time it is true.
        try:
            if self._source.caught_up():
                self._loaded.set()
                log.info("Speed model caught up with the update topic (%d messages applied)", self.consumed)
        except Exception as error:
            log.warning("Cannot tell whether the update topic is fully read yet: %s", error)

    def _apply(self, key_message: KeyMessage) -> None:
        try:
            self._manager.consume_key_message(key_message.key, key_message.message)
            self.consumed += 1
        except Exception:
            self.failed += 1
            log.exception("Skipping update-topic message with key %r that the model manager rejected", key_message.key)

    def _apply_batch(self, manager: ConsumesKeyMessageBatches, messages: Sequence[KeyMessage]) -> None:
        """Counts and logs as ``_apply`` does for each message; a raise (a broken manager) fails the whole poll."""
        try:
            failures = dict(manager.consume_key_messages(messages))
        except Exception as error:
            failures = dict.fromkeys(range(len(messages)), error)
        failed = 0
        for position, key_message in enumerate(messages):
            error = failures.get(position)
            if error is not None:
                failed += 1
                log.error(
                    "Skipping update-topic message with key %r that the model manager rejected",
                    key_message.key,
                    exc_info=(type(error), error, error.__traceback__),
                )
        self.failed += failed
        self.consumed += len(messages) - failed
