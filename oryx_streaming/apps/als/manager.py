"""Oryx 2's ``ALSSpeedModelManager``: follows the ALS model on the update topic and folds in new input.

Unlike the k-means and RDF speed layers, ALS applies every ``UP`` it reads, its own included: the batch
layer's vectors arrive that way after a ``MODEL``, and re-applying its own fold-ins is harmless (the same
vector is set again).

``consume_key_messages`` applies a whole poll of update-topic messages at once (the follower uses it when
present), with the same outcome as ``consume_key_message`` on each in turn: each run of consecutive ``UP``
messages is parsed as one batch (``messages.parse_updates``) and stored with one ``set_many`` per matrix and
one solver invalidation, instead of a Python-level ``set`` per vector. A malformed ``UP`` is skipped with the
warning the one-by-one path logs; a ``MODEL`` splits the runs, so the ``UP`` messages after it reach the model
it makes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from oryx_core.apps.als.aggregation import Record, parse_als_line
from oryx_core.apps.als.messages import ITEM, USER, ALSUpdateError, ParsedUpdates, parse_update, parse_updates
from oryx_core.apps.als.model_pmml import read_als_pmml
from oryx_core.config import OryxConfig
from oryx_core.input.lines import BadLineCounter, BadLineError
from oryx_core.topics.messages import UP, KeyMessage
from oryx_core.topics.model_messages import is_model_key, model_dir_of, model_pmml
from oryx_streaming.apps.als.model import ALSSpeedModel
from oryx_streaming.apps.als.updates import fold_in_records

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

log = logging.getLogger(__name__)

__all__ = ["ALSSpeedModelManager"]


class ALSSpeedModelManager:
    """The speed layer's ALS model plus the micro-batch fold-in."""

    def __init__(self, config: OryxConfig) -> None:
        self._no_known_items = config.get_bool("oryx.als.no-known-items")
        self._model_dir = model_dir_of(config)
        self._model: ALSSpeedModel | None = None
        self._lock = threading.Lock()  # one micro-batch or one model switch at a time

    @property
    def model(self) -> ALSSpeedModel | None:
        return self._model

    def consume_key_message(self, key: str | None, message: str) -> None:
        if is_model_key(key):
            self._load_model(key, message)
        elif key == UP:
            self._apply_update(message)
        else:
            log.debug("ALS speed layer ignores %s messages", key)

    def _load_model(self, key: str | None, message: str) -> None:
        description = read_als_pmml(model_pmml(key, message, self._model_dir))
        with self._lock:
            current = self._model
            if (
                current is None
                or current.layout.biased != description.biased
                or current.features != description.features
            ):
                self._model = ALSSpeedModel(description)
                log.info(
                    "New ALS model: %d features, implicit=%s, expecting %d users and %d items",
                    description.features,
                    description.implicit,
                    len(description.x_ids),
                    len(description.y_ids),
                )
            else:
                current.retain_for(description)

    def consume_key_messages(self, messages: Sequence[KeyMessage]) -> list[tuple[int, Exception]]:
        """Applies the messages in order, as ``consume_key_message`` on each; returns (index, error) for each
        one that raised there (a ``MODEL`` that cannot be read). A malformed ``UP`` is logged and skipped, not
        returned, as one by one."""
        failures: list[tuple[int, Exception]] = []
        run_start = 0
        for position, message in enumerate(messages):
            if message.key == UP:
                continue
            self._apply_updates([up.message for up in messages[run_start:position]])
            try:
                self.consume_key_message(message.key, message.message)
            except Exception as error:
                failures.append((position, error))
            run_start = position + 1
        self._apply_updates([up.message for up in messages[run_start:]])
        return failures

    def _apply_updates(self, messages: list[str]) -> None:
        """``_apply_update`` for each of a run of ``UP`` payloads, as one parse and one write per matrix."""
        if not messages:
            return
        model = self._model
        if model is None:
            for _ in messages:
                log.debug("ALS UP before any model: skipped")
            return
        parsed = parse_updates(messages, model.features)
        for position, _ in parsed.errors:
            # Checked again only to log the one-by-one warning (its feature-count wording differs): rare.
            self._checked_update(messages[position], model.features)
        users = [row for row, kind in enumerate(parsed.kinds) if kind == USER]
        if users:
            ids, vectors = _rows(parsed, users)
            model.set_user_vectors(ids, vectors)
        if len(users) < len(parsed.kinds):
            user_rows = set(users)
            ids, vectors = _rows(parsed, [row for row in range(len(parsed.kinds)) if row not in user_rows])
            model.set_item_vectors(ids, vectors)

    def _apply_update(self, message: str) -> None:
        model = self._model
        if model is None:
            log.debug("ALS UP before any model: skipped")
            return
        update = self._checked_update(message, model.features)
        if update is None:
            return
        kind, id_, vector = update
        if kind == USER:
            model.set_user_vector(id_, vector)
        elif kind == ITEM:
            model.set_item_vector(id_, vector)

    @staticmethod
    def _checked_update(message: str, features: int) -> tuple[str, str, np.ndarray] | None:
        """(kind, id, vector) of an ``UP`` payload, or None after logging why it cannot be applied."""
        try:
            kind, id_, vector, _ = parse_update(message)
        except ALSUpdateError as error:
            log.warning("%s", error)
            return None
        if vector.shape[0] != features:
            log.warning("ALS UP for %s has %d features, the model %d: skipped", id_, vector.shape[0], features)
            return None
        return kind, id_, vector

    def fraction_loaded(self) -> float:
        model = self._model
        return 0.0 if model is None else model.fraction_loaded()

    def build_updates(self, new_data: DataFrame) -> Iterable[str]:
        """Fold-in ``UP`` messages for one micro-batch; its lines are collected to the driver (seconds of input)."""
        model = self._model
        if model is None:
            return []
        counter = BadLineCounter()
        records: list[Record] = []
        for row in new_data.select("value").collect():
            line = row["value"]
            if line is None:
                continue
            fields = counter.parse(line)
            if fields is None:
                continue
            try:
                records.append(parse_als_line(fields))
            except BadLineError as error:
                counter.record(line, error.reason)
        counter.log_summary(log, "ALS speed layer")
        with self._lock:
            return fold_in_records(model, records, no_known_items=self._no_known_items)

    def close(self) -> None:
        """Nothing to release: the solver threads are daemons and end with the process."""


def _rows(parsed: ParsedUpdates, rows: list[int]) -> tuple[list[str], np.ndarray]:
    """IDs and vectors of the given rows (all rows without copying when they are all wanted)."""
    if len(rows) == len(parsed.ids):
        return parsed.ids, parsed.vectors
    return [parsed.ids[row] for row in rows], parsed.vectors[rows]
