"""The linear app's speed layer: it follows the batch layer's model and publishes no updates, by design.

A ridge fit is a function of all the data (its sufficient statistics), which the batch layer refits every
generation; an honest online step would need those statistics in the model and serving applying them, which this
minimal app leaves out. So the speed layer only keeps the model (``oryx_core.apps.linear.state``, for readiness and
the operator's logs) and turns every micro-batch into no ``UP``: new examples reach the model at the next
generation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from oryx_core.apps.linear.state import LinearState
from oryx_core.config import OryxConfig

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


class LinearSpeedModelManager:
    def __init__(self, config: OryxConfig) -> None:
        self.state = LinearState.from_config(config, apply_updates=False)

    def consume_key_message(self, key: str | None, message: str) -> None:
        self.state.consume_key_message(key, message)

    def fraction_loaded(self) -> float | None:
        return self.state.fraction_loaded()

    def build_updates(self, new_data: DataFrame) -> Iterable[str]:
        """None: the micro-batch's examples train the next generation, not the current model."""
        return []

    def close(self) -> None:
        self.state.close()
