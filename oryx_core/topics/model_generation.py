"""Which batch generation an update-topic message belongs to, in a Kafka header that Oryx 2 clients ignore.

A roll back re-publishes an older generation's model, so "the newest message wins" no longer holds. The speed
layer may still be publishing ``UP`` messages it computed from the newer model, and a follower replaying the
topic finds them after the older ``MODEL``. For ALS these are vectors in another factor space; applied to the
rolled-back model, they would corrupt it silently.

So every ``MODEL`` / ``MODEL-REF`` the batch layer publishes carries its generation (the partition key, epoch
milliseconds) in the ``oryx.generation`` header. Every ``UP`` the speed layer publishes carries the generation
of the model it computed from. A follower skips (and counts) an ``UP`` whose generation is newer than the
current model's. The batch layer's own ``UP`` messages, which follow their ``MODEL`` at once, carry no header:
reading a header costs a consumer ~30 % of its rate (``benchmarks/update_headers.py``), and a model load is
almost all batch ``UP`` messages.

An ``UP`` of an *older* generation is still applied. That is Oryx 2's behaviour when a new generation lands
while the speed layer is mid-batch, and it loses no input. Messages without the header are always applied:
they come from Oryx 2's own layers or another writer. The key and value of each message are unchanged, so an
Oryx 2 consumer reads the topic exactly as before.
"""

from __future__ import annotations

from collections.abc import Sequence

GENERATION_HEADER = "oryx.generation"


def generation_headers(generation: int | None) -> list[tuple[str, str]]:
    """The header naming ``generation``; none when the generation is unknown (a model without the header)."""
    return [] if generation is None else [(GENERATION_HEADER, str(generation))]


def generation_of(headers: Sequence[tuple[str, bytes | None]] | None) -> int | None:
    """The generation a record's headers name, or None (no header, or a value that is not epoch milliseconds)."""
    if not headers:
        return None
    for name, value in headers:
        if name == GENERATION_HEADER and value is not None and value.isdigit():
            return int(value)
    return None


def is_stale(update_generation: int | None, model_generation: int | None) -> bool:
    """True for an ``UP`` computed from a newer model than the one now current (after a roll back)."""
    return update_generation is not None and model_generation is not None and update_generation > model_generation


def is_rollback(model_generation: int | None, current_generation: int | None) -> bool:
    """True for a ``MODEL`` of an older generation than the current model's: a roll back
    (``oryx_assets.lambda_.rollback``), after which nothing of the current model may survive."""
    return model_generation is not None and current_generation is not None and model_generation < current_generation
