"""The serving layer's model follower: a daemon thread that replays the update topic into the app's manager.

As in Oryx 2, the serving layer keeps no state of its own: at start it reads the whole update topic from the
earliest offset (a random consumer group), so every instance rebuilds the same model, then keeps following
it. A message the app cannot apply is logged and skipped; one bad message must not stop the model updating.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from oryx_core.api.batched_updates import ConsumesKeyMessageBatches
from oryx_core.api.serving import ServingModelManager
from oryx_core.topics.messages import MODEL, MODEL_REF, UP, KeyMessage

log = logging.getLogger(__name__)

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
