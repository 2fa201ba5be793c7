"""The ALS ``UP`` payload on the update topic: one user (X) or item (Y) vector, JSON as in Oryx 2.

``["X", userID, [f1,...,fk], [knownItemID,...]]`` and ``["Y", itemID, [f1,...,fk], [userID,...]]``. The
batch layer sends every vector after a ``MODEL`` (the 4th element listing a user's known items); the speed
layer sends the vectors it folds in (the 4th element naming the other ID of the interaction). The 4th
element is omitted when there are no IDs to list or ``oryx.als.no-known-items`` is true.

Floats are written in their shortest form that reads back as the same float32, so the messages stay small
and a round trip is exact.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["USER", "ITEM", "ALSUpdateError", "format_x_update", "format_y_update", "parse_update"]

USER = "X"
"""Kind of an update carrying a user vector (a row of X)."""

ITEM = "Y"
"""Kind of an update carrying an item vector (a row of Y)."""

_MAX_QUOTED = 200


class ALSUpdateError(ValueError):
    """An ``UP`` message that is not a valid ALS update; names the message and what is wrong."""

    def __init__(self, message: str, problem: str) -> None:
        shown = message if len(message) <= _MAX_QUOTED else message[:_MAX_QUOTED] + "..."
        super().__init__(f"bad ALS UP message {shown!r}: {problem}")
        self.problem = problem


def format_x_update(user: str, vector: np.ndarray, known_items: Sequence[str] | None = None) -> str:
    """The ``UP`` payload for a user vector, with the user's known items (or the item just folded in)."""
    return _format(USER, user, vector, known_items)


def format_y_update(item: str, vector: np.ndarray, known_users: Sequence[str] | None = None) -> str:
    """The ``UP`` payload for an item vector, with the user just folded in when known items are tracked."""
    return _format(ITEM, item, vector, known_users)


def _format(kind: str, id_: str, vector: np.ndarray, other_ids: Sequence[str] | None) -> str:
    values = np.asarray(vector, dtype=np.float32).reshape(-1)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{kind} vector for {id_!r} has non-finite values, which JSON cannot carry")
    # str() of a float32 is its shortest round-tripping decimal; float() of that prints the same digits
    payload: list[Any] = [kind, id_, [float(str(value)) for value in values]]
    if other_ids:
        payload.append(list(other_ids))
    return json.dumps(payload, separators=(",", ":"))


def parse_update(message: str) -> tuple[str, str, np.ndarray, list[str] | None]:
    """(kind "X" or "Y", id, float32 vector, other IDs or None) from an ALS ``UP`` payload."""
    try:
        payload = json.loads(message, parse_constant=_reject_constant)
    except ValueError as error:
        raise ALSUpdateError(message, f"not JSON: {error}") from error
    if not isinstance(payload, list) or len(payload) not in (3, 4):
        raise ALSUpdateError(message, "expected a JSON array [kind, id, [vector]] or [kind, id, [vector], [ids]]")
    kind, id_, raw_vector = payload[0], payload[1], payload[2]
    if kind not in (USER, ITEM):
        raise ALSUpdateError(message, f"kind must be {USER!r} or {ITEM!r}, got {kind!r}")
    if not isinstance(id_, str):
        raise ALSUpdateError(message, f"ID must be a string, got {id_!r}")
    return kind, id_, _vector(message, raw_vector), _other_ids(message, payload)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a finite number")


def _vector(message: str, raw: object) -> np.ndarray:
    if (
        not isinstance(raw, list)
        or not raw
        or not all(isinstance(value, int | float) and not isinstance(value, bool) for value in raw)
    ):
        raise ALSUpdateError(message, "vector must be a non-empty array of numbers")
    with np.errstate(over="ignore"):  # overflow is reported below, naming the message
        vector = np.asarray(raw, dtype=np.float32)
    if not np.all(np.isfinite(vector)):
        raise ALSUpdateError(message, "vector has values outside the float32 range")
    return vector


def _other_ids(message: str, payload: list[Any]) -> list[str] | None:
    if len(payload) == 3:
        return None
    ids = payload[3]
    if not isinstance(ids, list) or not all(isinstance(other, str) for other in ids):
        raise ALSUpdateError(message, "the 4th element must be an array of ID strings")
    return ids
