"""Speed-layer app interface: Oryx 2's ``SpeedModelManager``, plus the optional load-fraction report."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


@runtime_checkable
class SpeedModelManager(Protocol):
    """Keeps the speed layer's copy of the model and turns new input into ``UP`` messages.

    ``consume_key_message`` is called from the update-topic follower thread for every MODEL, MODEL-REF and UP
    message, in topic order; ``build_updates`` from the streaming driver for each micro-batch. Implementations
    guard their own state against that concurrency.

    A manager whose model loads gradually (ALS: vectors arrive as ``UP`` messages after the ``MODEL``) may also
    implement :class:`ReportsLoadFraction`; the speed layer then publishes no updates for a micro-batch while
    the fraction is below ``oryx.speed.min-model-load-fraction``. It is a separate protocol so that managers
    without the notion (the word-count example) still satisfy this one.
    """

    def consume_key_message(self, key: str | None, message: str) -> None: ...

    def build_updates(self, new_data: DataFrame) -> Iterable[str]:
        """Returns the ``UP`` message values for one micro-batch (columns ``key``, ``value``, ``timestamp``)."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class ReportsLoadFraction(Protocol):
    """Optional for a ``SpeedModelManager``: how much of the expected model has loaded so far."""

    def fraction_loaded(self) -> float | None:
        """In [0, 1], 1 when every expected part has arrived (Oryx 2's ``getFractionLoaded``); None (or 0) with no
        model yet. The speed layer judges it with ``oryx_core.api.readiness.is_ready``."""
        ...


@runtime_checkable
class ErasesIDs(Protocol):
    """Optional for a ``SpeedModelManager`` whose model holds data subjects (ALS: users).

    For a micro-batch holding erasure requests (``oryx_core.input.erasure``) the speed layer calls ``erase``
    first, whether or not the model is ready, then sends one ``ERASE`` message per ID on the update topic in
    the batch's transaction, so every serving process forgets the IDs too.
    """

    def erase(self, ids: Collection[str]) -> None:
        """Forgets the IDs in the speed layer's own model at once."""
        ...


@runtime_checkable
class ExpiresIDs(Protocol):
    """Optional for a ``SpeedModelManager`` whose model bounds its IDs by time (ALS: ``oryx.als.bounds``).

    After each micro-batch's updates the speed layer calls ``expire``; the values it returns go out keyed
    ``EXPIRE`` in the same transaction, after the batch's ``UP`` messages, so serving drops the IDs too.
    """

    def expire(self, now_ms: int) -> list[str]:
        """Drops what has expired by ``now_ms`` from the speed layer's model; the ``EXPIRE`` message values."""
        ...
