"""Oryx 2's ``ALSServingModelManager``: the shared ALS state follower plus serving's own settings.

Applying ``MODEL`` / ``MODEL-REF`` / ``UP`` is ``ALSStateUpdates`` (``oryx_core.apps.als.state_updates``), the
same code the speed layer runs: a first model or one of another shape starts an empty ``ALSServingModel``;
otherwise the vectors of the IDs the new model lists (and the recent ones) are kept until the new vectors
arrive, so answers never disappear during a reload. A message that cannot be applied raises (one by one) or
is returned with its index (``consume_key_messages``), for the follower to log and skip.

What is serving's: the sample rate (LSH), the HNSW graph (``oryx.als.ann.*``, ``ann_search``), rescorer
providers, whether known items are tracked, and starting YᵀY in the background once a model is first loaded
enough, so the first fold-in query need not wait for it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from oryx_core.api.readiness import is_ready
from oryx_core.apps.als.model_pmml import ALSModelDescription
from oryx_core.apps.als.rescorer import RescorerProvider, load_rescorer_providers
from oryx_core.apps.als.state_updates import ALSStateUpdates
from oryx_core.config import ConfigError, OryxConfig
from oryx_core.topics.messages import KeyMessage
from oryx_core.topics.model_messages import model_dir_of
from oryx_serving.apps.als.model import ALSServingModel

log = logging.getLogger(__name__)

RESCORER_KEY = "oryx.als.rescorer-provider-class"
SAMPLE_RATE_KEY = "oryx.als.sample-rate"
ANN_ENABLED_KEY = "oryx.als.ann.enabled"
ANN_RECALL_KEY = "oryx.als.ann.target-recall"


class ALSServingModelManager:
    def __init__(self, config: OryxConfig) -> None:
        self.config = config
        self.sample_rate = config.get_float(SAMPLE_RATE_KEY)
        if not 0.0 < self.sample_rate <= 1.0:
            raise ConfigError(SAMPLE_RATE_KEY, f"must be in (0, 1]; got {self.sample_rate}")
        self.ann_target_recall = config.get_float(ANN_RECALL_KEY) if config.get_bool(ANN_ENABLED_KEY) else None
        self.track_known_items = not config.get_bool("oryx.als.no-known-items")
        self.rescorer_provider = _rescorer_providers(config.get_optional_string(RESCORER_KEY))
        self.min_model_load_fraction = config.get_float("oryx.serving.min-model-load-fraction")
        self._updates = ALSStateUpdates(self._new_model, model_dir_of(config))
        self._solver_started_for: ALSServingModel | None = None

    def _new_model(self, description: ALSModelDescription) -> ALSServingModel:
        return ALSServingModel(
            description.features,
            description.implicit,
            sample_rate=self.sample_rate,
            rescorer_provider=self.rescorer_provider,
            track_known_items=self.track_known_items,
            description=description,
            ann_target_recall=self.ann_target_recall,
        )

    def consume_key_message(self, key: str | None, message: str) -> None:
        try:
            self._updates.consume_key_message(key, message)
        finally:
            self._precompute_solver_once_loaded()

    def consume_key_messages(self, messages: Sequence[KeyMessage]) -> list[tuple[int, Exception]]:
        """Applies the messages in order; returns (index, error) for each one that could not be applied."""
        failures = self._updates.consume_key_messages(messages)
        self._precompute_solver_once_loaded()
        return failures

    def fraction_loaded(self) -> float:
        return self._updates.fraction_loaded()

    def start_over(self) -> None:
        """``oryx_core.api.rollback``: the next MODEL (a roll back's) keeps none of this model's vectors."""
        self._updates.start_over()

    def _precompute_solver_once_loaded(self) -> None:
        """Starts YᵀY in the background once a model is first loaded enough (later item updates only mark it
        dirty; queries use the last one meanwhile)."""
        model = self._updates.state
        if model is None or self._solver_started_for is model or len(model.y) == 0:
            return
        if is_ready(model.fraction_loaded(), self.min_model_load_fraction):
            self._solver_started_for = model
            model.precompute_solver()

    def get_model(self) -> ALSServingModel | None:
        return self._updates.state

    def close(self) -> None:
        if self._updates.state is not None:
            self._updates.state.close()
        self._updates.state = None


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
