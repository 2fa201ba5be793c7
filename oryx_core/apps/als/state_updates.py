"""Applies the ALS update-topic messages to the current ``ALSModelState``, for the speed layer and serving alike.

* ``MODEL`` / ``MODEL-REF``: the skeleton PMML (``read_als_pmml``). A first model, one of another shape
  (features, feedback type or biases) or a roll back (``start_over``) starts a new empty state from the layer's
  factory; otherwise the current state keeps what ``ALSModelState.retain_for`` keeps, so answers never disappear
  during a reload.
* ``UP``: one X or Y vector (``messages.parse_update``), known items from the 4th element. An ``UP`` before
  any model is skipped, as in Oryx 2.
* ``ERASE``: a user to forget at once (``oryx_core.input.erasure``): vector and known items.
* ``EXPIRE``: a user or item the speed layer expired (``oryx_core.apps.als.expiry``): its vector goes.
* Anything else, a malformed ``UP`` or an unreadable ``MODEL`` raises (``consume_key_message``) or is returned
  with its index (``consume_key_messages``): the update follower logs it and goes on (spec 2.4).

``consume_key_messages`` applies a whole poll at once, leaving the state as one message at a time would: each
run of consecutive ``UP`` messages is parsed as one batch (``messages.parse_updates``) and stored with one
``set_many`` per matrix, which loads a model several times faster; a ``MODEL`` splits the runs, so the ``UP``
messages after it are parsed for, and reach, the state it makes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Generic, TypeVar

import numpy as np

from oryx_core.apps.als.expiry import EXPIRE, parse_expiry
from oryx_core.apps.als.messages import USER, ParsedUpdates, parse_updates
from oryx_core.apps.als.model_pmml import ALSModelDescription, read_als_pmml
from oryx_core.apps.als.state import ALSModelState
from oryx_core.input.erasure import ERASE
from oryx_core.topics.messages import UP, KeyMessage
from oryx_core.topics.model_messages import ModelDirectory, is_model_key, model_pmml

log = logging.getLogger(__name__)

__all__ = ["ALSStateUpdates"]

State = TypeVar("State", bound=ALSModelState)


class ALSStateUpdates(Generic[State]):
    """The current state (None before the first ``MODEL``) and the one way messages change it.

    ``new_state`` builds the layer's state for a description (its subclass of ``ALSModelState``); ``model_dir``
    confines ``MODEL-REF`` paths; ``model_lock``, when given, is held while a ``MODEL`` replaces or prunes the
    state (the speed layer's fold-in holds it too, so it never computes across a model switch).
    """

    def __init__(
        self,
        new_state: Callable[[ALSModelDescription], State],
        model_dir: ModelDirectory | None,
        *,
        model_lock: AbstractContextManager[object] | None = None,
    ) -> None:
        self._new_state = new_state
        self._model_dir = model_dir
        self._model_lock: AbstractContextManager[object] = model_lock if model_lock is not None else nullcontext()
        self.state: State | None = None
        self._starting_over = False

    def start_over(self) -> None:
        """A roll back is coming (``oryx_core.api.rollback``): the next ``MODEL`` keeps no vector of this one."""
        self._starting_over = True

    def fraction_loaded(self) -> float:
        """The current state's loaded fraction; 0 before any model."""
        state = self.state
        return 0.0 if state is None else state.fraction_loaded()

    def consume_key_message(self, key: str | None, message: str) -> None:
        if is_model_key(key):
            self._apply_model(key, message)
        elif key == UP:
            for _, error in self._apply_updates([message]):
                raise error
        elif key == ERASE:
            self._erase(message)
        elif key == EXPIRE:
            kind, id_ = parse_expiry(message)
            state = self.state
            if state is not None:
                state.expire(kind, id_)
        else:
            raise ValueError(f"the ALS model cannot apply update-topic key {key!r}")

    def consume_key_messages(self, messages: Sequence[KeyMessage]) -> list[tuple[int, Exception]]:
        """Applies the messages in order; returns (index, error) for each one that could not be applied."""
        failures: list[tuple[int, Exception]] = []
        run_start = 0
        for position, message in enumerate(messages):
            if message.key == UP:
                continue
            failures += self._apply_run(messages, run_start, position)
            try:
                self.consume_key_message(message.key, message.message)
            except Exception as error:
                failures.append((position, error))
            run_start = position + 1
        failures += self._apply_run(messages, run_start, len(messages))
        return failures

    def _apply_run(self, messages: Sequence[KeyMessage], start: int, end: int) -> list[tuple[int, Exception]]:
        """Applies ``messages[start:end]``, all ``UP``; returns the failures, indexed in ``messages``."""
        if start == end:
            return []
        payloads = [message.message for message in messages[start:end]]
        return [(start + position, error) for position, error in self._apply_updates(payloads)]

    def _apply_updates(self, payloads: list[str]) -> list[tuple[int, ValueError]]:
        state = self.state
        if state is None:
            log.debug("Skipping %d ALS UP message(s) that arrived before any model", len(payloads))
            return []
        parsed = parse_updates(payloads, state.features)
        users = [row for row, kind in enumerate(parsed.kinds) if kind == USER]
        if users:
            state.set_user_vectors(*_rows(parsed, users))
        if len(users) < len(parsed.kinds):
            user_rows = set(users)
            state.set_item_vectors(*_rows(parsed, [row for row in range(len(parsed.kinds)) if row not in user_rows]))
        return parsed.errors

    def _erase(self, user: str) -> None:
        if not user:
            raise ValueError("an ERASE message must name a user")
        state = self.state
        if state is not None and state.erase_user(user):
            log.info("Erased user %r from the ALS model", user)

    def _apply_model(self, key: str | None, message: str) -> None:
        description = read_als_pmml(model_pmml(key, message, self._model_dir))
        with self._model_lock:
            state = self.state
            starting_over, self._starting_over = self._starting_over, False
            if state is not None and state.has_shape_of(description) and not starting_over:
                state.retain_for(description)
                return
            log.info(
                "New ALS model (%d features, implicit=%s, biases=%s): starting empty, expecting %d users and %d items",
                description.features,
                description.implicit,
                description.biased,
                len(description.x_ids),
                len(description.y_ids),
            )
            self.state = self._new_state(description)


def _rows(parsed: ParsedUpdates, rows: list[int]) -> tuple[list[str], np.ndarray, list[list[str] | None]]:
    """IDs, vectors and other IDs of the given rows (all rows without copying when they are all wanted)."""
    if len(rows) == len(parsed.ids):
        return parsed.ids, parsed.vectors, parsed.other_ids
    return [parsed.ids[row] for row in rows], parsed.vectors[rows], [parsed.other_ids[row] for row in rows]
