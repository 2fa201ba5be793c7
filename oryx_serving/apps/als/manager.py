"""Applies the ALS update-topic messages to the serving model (Oryx 2's ``ALSServingModelManager``).

* ``MODEL`` / ``MODEL-REF``: the skeleton PMML (``read_als_pmml``). A first model, or one whose number of
  features or feedback type differs, starts an empty ``ALSServingModel``. Otherwise the current vectors of the
  IDs the new model lists (and of IDs updated since the last model) are kept until the new vectors arrive, so
  answers never disappear during a reload; the listed IDs not yet present are "expected" and drive
  ``get_fraction_loaded``.
* ``UP``: one X or Y vector (``messages.parse_update``), with known items from the 4th element. An ``UP``
  before any model is skipped, as in Oryx 2.
* Anything else raises; the follower logs and skips the message.

``consume_key_messages`` applies a whole poll of messages at once (the follower uses it when present): each
run of consecutive ``UP`` messages is parsed as a batch (``messages.parse_updates``) and stored with one
``set_many`` per matrix, which loads a model several times faster than one message at a time. A bad ``UP`` in
a run is returned with its error and skipped; every other message of the run is applied, in order.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from oryx_core.apps.als.messages import USER, ParsedUpdates, parse_update, parse_updates
from oryx_core.apps.als.model_pmml import read_als_pmml
from oryx_core.apps.als.rescorer import RescorerProvider, load_rescorer_providers
from oryx_core.config import ConfigError, OryxConfig
from oryx_core.topics.messages import UP, KeyMessage
from oryx_core.topics.model_messages import is_model_key, model_dir_of, model_pmml
from oryx_serving.apps.als.model import ALSServingModel

log = logging.getLogger(__name__)

RESCORER_KEY = "oryx.als.rescorer-provider-class"
SAMPLE_RATE_KEY = "oryx.als.sample-rate"


class ALSServingModelManager:
    def __init__(self, config: OryxConfig) -> None:
        self.config = config
        self._model_dir = model_dir_of(config)
        self.sample_rate = config.get_float(SAMPLE_RATE_KEY)
        if not 0.0 < self.sample_rate <= 1.0:
            raise ConfigError(SAMPLE_RATE_KEY, f"must be in (0, 1]; got {self.sample_rate}")
        self.track_known_items = not config.get_bool("oryx.als.no-known-items")
        self.rescorer_provider = _rescorer_providers(config.get_optional_string(RESCORER_KEY))
        self.min_model_load_fraction = config.get_float("oryx.serving.min-model-load-fraction")
        self._model: ALSServingModel | None = None
        self._solver_started_for: ALSServingModel | None = None

    def consume_key_message(self, key: str | None, message: str) -> None:
        if is_model_key(key):
            self._apply_model(key, message)
        elif key == UP:
            self._apply_update(message)
        else:
            raise ValueError(f"ALS serving model manager cannot apply update-topic key {key!r}")

    def consume_key_messages(self, messages: Sequence[KeyMessage]) -> list[tuple[int, Exception]]:
        """Applies the messages in order; returns (index, error) for each one that could not be applied."""
        failures: list[tuple[int, Exception]] = []
        run_start = 0
        for position, message in enumerate(messages):
            if message.key == UP:
                continue
            failures += self._apply_updates(messages, run_start, position)
            try:
                self.consume_key_message(message.key, message.message)
            except Exception as error:
                failures.append((position, error))
            run_start = position + 1
        failures += self._apply_updates(messages, run_start, len(messages))
        return failures

    def _apply_updates(self, messages: Sequence[KeyMessage], start: int, end: int) -> list[tuple[int, Exception]]:
        """Applies ``messages[start:end]``, all ``UP``; returns the failures, indexed in ``messages``."""
        model = self._model
        if start == end:
            return []
        if model is None:
            log.debug("Skipping %d ALS UPs that arrived before any model", end - start)
            return []
        parsed = parse_updates([message.message for message in messages[start:end]], model.features)
        users = [row for row, kind in enumerate(parsed.kinds) if kind == USER]
        if users:
            ids, vectors, others = _rows(parsed, users)
            model.set_user_vectors(ids, vectors, others)
        if len(users) < len(parsed.kinds):
            users_set = set(users)
            items = [row for row in range(len(parsed.kinds)) if row not in users_set]
            ids, vectors, others = _rows(parsed, items)
            model.set_item_vectors(ids, vectors, others)
            self._precompute_solver_once_loaded(model)
        return [(start + position, error) for position, error in parsed.errors]

    def _apply_model(self, key: str | None, message: str) -> None:
        description = read_als_pmml(model_pmml(key, message, self._model_dir))
        model = self._model
        layout = description.layout
        if (
            model is None
            or model.features != description.features
            or model.implicit != description.implicit
            or model.layout.biased != layout.biased
        ):
            log.info(
                "New ALS model (%d features, implicit=%s, biases=%s): starting empty",
                description.features,
                description.implicit,
                layout.biased,
            )
            model = ALSServingModel(
                description.features,
                description.implicit,
                sample_rate=self.sample_rate,
                rescorer_provider=self.rescorer_provider,
                track_known_items=self.track_known_items,
                layout=layout,
            )
        else:
            model.layout = layout  # same vectors; this generation's global mean and rating range
        model.retain_recent_and_ids(description.x_ids, description.y_ids)
        self._model = model
        log.info("ALS model updated: %r", model)

    def _apply_update(self, message: str) -> None:
        model = self._model
        if model is None:
            log.debug("Skipping an ALS UP that arrived before any model")
            return
        kind, id_, vector, other_ids = parse_update(message)
        if len(vector) != model.features:
            raise ValueError(f"ALS UP for {kind} {id_!r} has {len(vector)} features but the model has {model.features}")
        if kind == USER:
            model.set_user_vector(id_, vector, other_ids)
        else:
            model.set_item_vector(id_, vector, other_ids)
            self._precompute_solver_once_loaded(model)

    def _precompute_solver_once_loaded(self, model: ALSServingModel) -> None:
        """Starts YᵀY in the background once a model is first loaded enough, so the first fold-in query
        need not wait for it (later item updates only mark it dirty; queries use the last one meanwhile)."""
        if self._solver_started_for is not model and model.get_fraction_loaded() >= self.min_model_load_fraction:
            self._solver_started_for = model
            model.precompute_solver()

    def get_model(self) -> ALSServingModel | None:
        return self._model

    def close(self) -> None:
        self._model = None


def _rescorer_providers(names: str | None) -> RescorerProvider | None:
    """The configured providers; a constructor that fails is a configuration error naming the key, as Oryx 2's
    ``loadRescorerProviders`` answered any failure to instantiate with IllegalArgumentException."""
    try:
        return load_rescorer_providers(names, RESCORER_KEY)
    except ConfigError:
        raise
    except Exception as error:
        raise ConfigError(
            RESCORER_KEY, f"{names!r} could not be instantiated: {type(error).__name__}: {error}"
        ) from error


def _rows(parsed: ParsedUpdates, rows: list[int]) -> tuple[list[str], np.ndarray, list[list[str] | None]]:
    """IDs, vectors and other IDs of the given rows (all rows without copying when they are all wanted)."""
    if len(rows) == len(parsed.ids):
        return parsed.ids, parsed.vectors, parsed.other_ids
    return [parsed.ids[row] for row in rows], parsed.vectors[rows], [parsed.other_ids[row] for row in rows]
