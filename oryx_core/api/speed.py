"""Speed-layer app interface: Oryx 2's ``SpeedModelManager``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


@runtime_checkable
class SpeedModelManager(Protocol):
    """Keeps the speed layer's copy of the model and turns new input into ``UP`` messages.

    ``consume_key_message`` is called from the update-topic follower thread for every MODEL, MODEL-REF and UP
    message, in topic order; ``build_updates`` from the streaming driver for each micro-batch. Implementations
    guard their own state against that concurrency.
    """

    def consume_key_message(self, key: str | None, message: str) -> None: ...

    def build_updates(self, new_data: DataFrame) -> Iterable[str]:
        """Returns the ``UP`` message values for one micro-batch (columns ``key``, ``value``)."""
        ...

    def close(self) -> None: ...
