"""THE update-topic follower: a daemon thread replaying the update topic into an app's model, run by both the
speed layer and serving.

As in Oryx 2, neither layer keeps model state of its own: each reads the whole update topic from the earliest
offset with a fresh consumer group, so a restart (or another serving replica) rebuilds the same model from the
topic alone, then keeps following it. A message the manager cannot apply is logged, counted and skipped: one bad
update must not freeze the model. A failing poll (a broker outage) is logged and retried: the thread must not end,
or the model would silently stop following the topic.

A manager that also implements ``ConsumesKeyMessageBatches`` gets each poll's messages in one call (ALS parses and
stores a run of ``UP`` vectors at once, several times faster than one by one); its failures are counted and logged
exactly as one by one.

After a roll back, an ``UP`` computed from a newer model than the current one is skipped and counted as stale
(``oryx_core.topics.model_generation``), so neither layer applies the newer generation's updates to the older
model, live or on replay. Just before a roll back's ``MODEL`` (one older than the current model), a manager that
``StartsOver`` is told to keep nothing of the current model (``oryx_core.api.rollback``).

The consumer is used only from the follower thread (a Kafka consumer must not be shared between threads): the lag
and the "caught up" question are asked there, and the consumer is closed there when the thread ends.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from oryx_core.api.batched_updates import ConsumesKeyMessageBatches
from oryx_core.api.rollback import StartsOver
from oryx_core.input.erasure import ERASE
from oryx_core.topics.messages import EXPIRE, MODEL, MODEL_REF, UP, KeyMessage
from oryx_core.topics.model_generation import is_rollback, is_stale

log = logging.getLogger(__name__)

KEY_LABELS = (MODEL, MODEL_REF, UP, ERASE, EXPIRE, "other")
"""Keys counted by name; any other key is counted as "other", so whoever can write the topic adds no labels."""
POLL_SECONDS = 0.2
"""Short polls bound how long a stop waits for the follower; an idle poll costs the broker little."""
LAG_REFRESH_SECONDS = 5.0
"""How often the follower asks the broker how far behind it is (for metrics); two metadata requests."""
_LAG_TIMEOUT_SECONDS = 2.0
LOADED_CHECK_SECONDS = 0.25
"""While loading, how often a poll that returned messages is followed by the "caught up?" question (three
broker round trips); a poll that returned nothing always asks. Asked after every poll, it cost a quarter of
the time to load 210,000 vectors."""


class UpdateSource(Protocol):
    """What the follower needs from ``UpdateTopicConsumer`` (or the in-memory fake in unit tests)."""

    def poll(self, timeout: float) -> Sequence[KeyMessage]: ...

    def caught_up(self) -> bool:
        """True once the consumer's position has reached the end offsets it saw when it was assigned."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class OffsetReporting(Protocol):
    """Sources that can tell how far behind they are (the real consumer and the fake can); used for the lag."""

    def end_offsets(self, timeout: float = 10.0) -> dict[int, int]: ...

    def position(self, timeout: float = 10.0) -> dict[int, int]: ...


class AppliesKeyMessages(Protocol):
    """The one method both layers' model managers share (``SpeedModelManager``, ``ServingModelManager``)."""

    def consume_key_message(self, key: str | None, message: str) -> None: ...


class UpdateFollower:
    """Feeds every update-topic message, in order, to ``manager.consume_key_message`` on a daemon thread named
    ``thread_name`` (or each poll at once to ``consume_key_messages`` for a ``ConsumesKeyMessageBatches``)."""

    def __init__(
        self,
        manager: AppliesKeyMessages,
        source: UpdateSource,
        *,
        thread_name: str,
        poll_timeout: float = POLL_SECONDS,
        retry_sec: float = POLL_SECONDS,
        lag_refresh_sec: float = LAG_REFRESH_SECONDS,
    ) -> None:
        self._manager = manager
        self._batch_manager = manager if isinstance(manager, ConsumesKeyMessageBatches) else None
        self._source = source
        self._poll_timeout = poll_timeout
        self._retry_sec = retry_sec
        self._lag_refresh_sec = lag_refresh_sec
        self._stop = threading.Event()
        self._loaded = threading.Event()
        self._thread = threading.Thread(target=self._run, name=thread_name, daemon=True)
        self._closed = False
        self.consumed = 0
        """Messages handed to the manager so far, failed ones included (read by tests, logs and metrics)."""
        self.failed = 0
        self.consumed_by_key: Counter[str] = Counter(dict.fromkeys(KEY_LABELS, 0))
        self.models_applied = 0
        """MODEL / MODEL-REF messages applied: the model generation this process has reached."""
        self.model_generation: int | None = None
        """The batch generation (epoch ms) of the last model applied, from its header; None when unknown."""
        self.stale = 0
        """``UP`` messages skipped because they were computed from a newer model than the current one."""
        self.last_applied_at: float | None = None
        """Wall-clock time of the last message applied, or None before any."""
        self.lag: int | None = None
        """Messages on the update topic not yet consumed, refreshed every few seconds; None when unknown."""
        self._lag_checked = -float("inf")
        self._loaded_checked = -float("inf")

    def start(self) -> UpdateFollower:
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    @property
    def applied(self) -> int:
        """Messages the manager applied without an error."""
        return self.consumed - self.failed

    @property
    def loaded(self) -> bool:
        """True once everything that was on the update topic when the follower started has been handed over."""
        return self._loaded.is_set()

    def wait_until_loaded(self, timeout: float) -> bool:
        return self._loaded.wait(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Stops polling and waits for the thread, which closes its consumer; safe to call twice or from the
        follower thread itself. A follower never started closes its consumer here."""
        self._stop.set()
        if not self._thread.is_alive():
            if self._thread.ident is None:
                self._close_source()
            return
        if self._thread is threading.current_thread():
            return
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("Update-topic follower %s did not stop within %.1f s", self._thread.name, timeout)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                messages = self._poll()
                if self._batch_manager is not None and messages:
                    self._apply_batch(self._batch_manager, messages)
                else:
                    for message in messages:
                        if self._stop.is_set():
                            return
                        self._apply(message)
                if not self._loaded.is_set():
                    self._check_loaded(idle=not messages)
                self._refresh_lag()
        finally:
            self._close_source()

    def _close_source(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._source.close()
        except Exception:
            log.exception("Closing the update-topic consumer failed")

    def _poll(self) -> Sequence[KeyMessage]:
        try:
            return self._source.poll(self._poll_timeout)
        except Exception:
            log.exception("Polling the update topic failed; retrying in %.1f s", self._retry_sec)
            self._stop.wait(self._retry_sec)
            return []

    def _check_loaded(self, idle: bool) -> None:
        """Asked only until the first time it is true: after an idle poll, else at most every
        ``LOADED_CHECK_SECONDS``."""
        now = time.monotonic()
        if not idle and now - self._loaded_checked < LOADED_CHECK_SECONDS:
            return
        self._loaded_checked = now
        try:
            if self._source.caught_up():
                self._loaded.set()
                log.info("Caught up with the update topic (%d messages handed to the model)", self.consumed)
        except Exception as error:
            log.warning("Cannot tell whether the update topic is fully read yet: %s", error)

    def _count(self, message: KeyMessage, error: BaseException | None) -> None:
        self.consumed_by_key[message.key if message.key in KEY_LABELS else "other"] += 1
        self.consumed += 1
        if error is not None:
            self.failed += 1
            log.error(
                "Skipping update-topic message with key %r that could not be applied",
                message.key,
                exc_info=(type(error), error, error.__traceback__),
            )
        elif message.key in (MODEL, MODEL_REF):
            self.models_applied += 1

    def _skips_stale(self, message: KeyMessage, model_generation: int | None) -> bool:
        if message.key == UP and is_stale(message.generation, model_generation):
            self.stale += 1
            log.debug("Skipping UP of generation %s: the model is generation %s", message.generation, model_generation)
            return True
        return False

    def _start_over_before(self, message: KeyMessage, current_generation: int | None) -> None:
        if message.key in (MODEL, MODEL_REF) and is_rollback(message.generation, current_generation):
            log.info("Rolling back from generation %s to %s", current_generation, message.generation)
            if isinstance(self._manager, StartsOver):
                self._manager.start_over()

    def _apply(self, message: KeyMessage) -> None:
        if self._skips_stale(message, self.model_generation):
            return
        self._start_over_before(message, self.model_generation)
        error: Exception | None = None
        try:
            self._manager.consume_key_message(message.key, message.message)
        except Exception as raised:
            error = raised
        else:
            self.last_applied_at = time.time()
            if message.key in (MODEL, MODEL_REF):
                self.model_generation = message.generation
        self._count(message, error)

    def _apply_batch(self, manager: ConsumesKeyMessageBatches, messages: Sequence[KeyMessage]) -> None:
        """Applies a poll as ``_apply`` would each message: stale ``UP`` messages are judged against the last model
        message before them and left out, and the poll is split before a roll back's ``MODEL``."""
        generation = self.model_generation
        part: list[KeyMessage] = []
        for message in messages:
            if message.key in (MODEL, MODEL_REF):
                if is_rollback(message.generation, generation):
                    self._apply_part(manager, part)
                    self._start_over_before(message, generation)
                    part = []
                generation = message.generation
            # The batch layer's UPs (nearly all of a model load) name no generation: nothing to judge.
            elif message.generation is not None and self._skips_stale(message, generation):
                continue
            part.append(message)
        self._apply_part(manager, part)

    def _apply_part(self, manager: ConsumesKeyMessageBatches, messages: Sequence[KeyMessage]) -> None:
        """Counts and logs as ``_apply`` does for each message; a raise (a broken manager) fails the whole part."""
        if not messages:
            return
        try:
            failures = dict(manager.consume_key_messages(messages))
        except Exception as error:
            failures = dict.fromkeys(range(len(messages)), error)
        if len(failures) < len(messages):
            self.last_applied_at = time.time()
        for position, message in enumerate(messages):
            self._count(message, failures.get(position))
            if message.key in (MODEL, MODEL_REF) and position not in failures:
                self.model_generation = message.generation

    def _refresh_lag(self) -> None:
        now = time.monotonic()
        if now - self._lag_checked < self._lag_refresh_sec or not isinstance(self._source, OffsetReporting):
            return
        self._lag_checked = now
        try:
            ends = self._source.end_offsets(_LAG_TIMEOUT_SECONDS)
            positions = self._source.position(_LAG_TIMEOUT_SECONDS)
        except Exception as error:
            log.debug("Could not measure the update-topic lag: %s", error)
            self.lag = None
            return
        self.lag = sum(max(0, end - positions.get(partition, 0)) for partition, end in ends.items())
