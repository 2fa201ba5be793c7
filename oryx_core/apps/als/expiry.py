"""The ``EXPIRE`` update-topic message: the speed layer tells every reader of the topic that an ID left the model
(``oryx.als.bounds.expire-after-days``, see ``bounds``), so serving drops it between batch generations too.

Key ``EXPIRE``, value ``["X", "user"]`` or ``["Y", "item"]``: the first two elements of an ``UP``, so an ID of any
characters round-trips. Oryx 2 has no such key; an Oryx 2 serving layer reading one logs it and goes on, as it
does for any unknown key.
"""

from __future__ import annotations

import orjson

from oryx_core.apps.als.messages import ITEM, USER
from oryx_core.topics.messages import EXPIRE

__all__ = ["EXPIRE", "format_expiry", "parse_expiry"]


def format_expiry(kind: str, id_: str) -> str:
    """The message value saying that the user (``kind`` "X") or item ("Y") ``id_`` left the model."""
    if kind not in (USER, ITEM):
        raise ValueError(f"an EXPIRE message names X or Y, not {kind!r}")
    return orjson.dumps([kind, id_]).decode()


def parse_expiry(message: str) -> tuple[str, str]:
    """``(kind, id)`` of an ``EXPIRE`` value; ValueError naming the problem when it is not one."""
    try:
        payload = orjson.loads(message)
    except orjson.JSONDecodeError as error:
        raise ValueError(f"an EXPIRE message must be a JSON array [kind, id]: {message[:100]!r}") from error
    if not (isinstance(payload, list) and len(payload) == 2 and payload[0] in (USER, ITEM)):
        raise ValueError(f'an EXPIRE message must be ["X" or "Y", id]: {message[:100]!r}')
    if not isinstance(payload[1], str) or not payload[1]:
        raise ValueError(f"an EXPIRE message must name a non-empty ID: {message[:100]!r}")
    return payload[0], payload[1]
