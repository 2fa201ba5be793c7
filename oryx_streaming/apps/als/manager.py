"""Oryx 2's ``ALSSpeedModelManager``: follows the ALS model on the update topic and folds in new input.

Following the topic is the shared ``ALSStateUpdates`` (``oryx_core.apps.als.state_updates``), the same code
serving runs, so both layers hold the same vectors, expected IDs and recent IDs, and report a bad message the
same way (raised one by one, returned with its index from ``consume_key_messages``; the follower logs it).
Unlike the k-means and RDF speed layers, ALS applies every ``UP`` it reads, its own included: the batch
layer's vectors arrive that way after a ``MODEL``, and re-applying its own fold-ins is harmless (the same
vector is set again). What is the speed layer's own: the fold-in of each micro-batch (``updates``) and, with
``oryx.als.bounds``, which IDs it admits and expires between generations (``activity``; expired IDs go out as
``EXPIRE``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING

from oryx_core.apps.als.aggregation import Record, parse_als_line
from oryx_core.apps.als.bounds import IDBounds
from oryx_core.apps.als.expiry import format_expiry
from oryx_core.apps.als.state_updates import ALSStateUpdates
from oryx_core.config import OryxConfig
from oryx_core.input.lines import BadLineCounter, BadLineError
from oryx_core.topics.messages import KeyMessage
from oryx_core.topics.model_messages import model_dir_of
from oryx_streaming.apps.als.activity import IDActivity
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
        self._lock = threading.Lock()  # one micro-batch or one model switch at a time
        self._updates = ALSStateUpdates(ALSSpeedModel, model_dir_of(config), model_lock=self._lock)
        bounds = IDBounds.from_config(config)
        self._activity = IDActivity(bounds) if bounds.active else None
        """Admission and expiry between batch generations (``activity``); None when ``oryx.als.bounds`` is off."""

    @property
    def model(self) -> ALSSpeedModel | None:
        return self._updates.state

    def get_model(self) -> ALSSpeedModel | None:
        return self._updates.state

    def consume_key_message(self, key: str | None, message: str) -> None:
        self._updates.consume_key_message(key, message)

    def consume_key_messages(self, messages: Sequence[KeyMessage]) -> list[tuple[int, Exception]]:
        """Applies a poll of messages in order; (index, error) for each that could not be applied."""
        return self._updates.consume_key_messages(messages)

    def fraction_loaded(self) -> float:
        return self._updates.fraction_loaded()

    def start_over(self) -> None:
        """``oryx_core.api.rollback``: the next MODEL (a roll back's) keeps none of this model's vectors."""
        self._updates.start_over()

    def erase(self, ids: Collection[str]) -> None:
        """``oryx_core.api.speed.ErasesIDs``: the users' vectors leave the speed model at once, before any fold-in
        of the batch; the ``ERASE`` messages the speed layer sends make every serving process do the same."""
        with self._lock:
            model = self.model
            if model is not None:
                for user in ids:
                    model.erase_user(user)

    def build_updates(self, new_data: DataFrame) -> Iterable[str]:
        """Fold-in ``UP`` messages for one micro-batch; its lines are collected to the driver (seconds of input)."""
        model = self.model
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
            model = self.model  # the latest, should a MODEL have replaced it while the lines were read
            if model is None:
                return []
            if self._activity is None:
                return fold_in_records(model, records, no_known_items=self._no_known_items)
            held_user, held_item = model.x.__contains__, model.y.__contains__
            records = self._activity.admitted(records, held_user, held_item, int(time.time() * 1000))
            updates = fold_in_records(model, records, no_known_items=self._no_known_items)
            self._activity.forget_held(records, held_user, held_item)
            return updates

    def tracked_ids(self) -> int:
        """How many IDs the admission and expiry bookkeeping holds (0 with ``oryx.als.bounds`` off)."""
        return 0 if self._activity is None else len(self._activity)

    def expire(self, now_ms: int) -> list[str]:
        """``oryx_core.api.speed.ExpiresIDs``: the IDs unseen for ``expire-after-days`` leave the speed model; an
        ``EXPIRE`` message for each that held a vector."""
        if self._activity is None:
            return []
        with self._lock:
            model = self.model
            gone = self._activity.expired(now_ms)
            if model is None or not gone:
                return []
            messages = [format_expiry(kind, id_) for kind, id_ in gone if model.expire(kind, id_)]
        log.info("ALS speed layer: %d ID(s) expired, %d held a vector", len(gone), len(messages))
        return messages

    def close(self) -> None:
        """Nothing to release: the solver threads are daemons and end with the process."""
