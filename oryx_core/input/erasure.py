"""Erasure requests ("forget this user"), as every layer reads them: one tombstone format, one rule.

A request to erase an ID travels like any input, as one record on the input topic, so it is ordered and
retained with the data it erases and survives every restart. The record is told apart by its key,
``ERASE_INPUT_KEY``: Oryx 2's serving layer keys input lines with the hex of the line's hash (lowercase hex
digits only), so a key with other letters can never collide with one. Its value is a CSV line
``id,erasedAtMs``. An Oryx 2 batch layer reading it sees a two-field line and skips it as a bad line.

What an erasure removes ("the ID's lines"): every input line whose *first field* is the ID (the user of an
ALS line) and whose timestamp (the 4th field) is not after ``erased_at_ms``. A line without a readable
timestamp is removed too, since nothing says it came later; a line that cannot be parsed at all is removed
when its text contains the ID, so no trace is kept by accident. Lines the ID writes after the request are
new data and stay.

The speed layer answers the request with an ``ERASE`` message on the update topic (value: the ID), so every
serving process forgets the ID's vector and known items at once; the batch layer rewrites the stored windows
(``oryx_assets.lambda_.erasure``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from oryx_core.input.lines import BadLineCounter, BadLineError, join_csv, parse_line

ERASE_INPUT_KEY = "oryx.erase"
"""Input-topic key of a tombstone; never produced by ``oryx_core.topics.messages.input_key`` (hex only)."""
ERASE = "ERASE"
"""Update-topic key: the value is an ID to forget."""
TIMESTAMP_FIELD = 3
"""Where an ALS line ``user,item,strength,timestamp`` keeps its time."""


@dataclass(frozen=True)
class Erasure:
    """One request: forget ``id_`` and every line of it up to ``erased_at_ms``."""

    id_: str
    erased_at_ms: int

    def to_line(self) -> str:
        """The tombstone's value on the input topic."""
        return join_csv([self.id_, str(self.erased_at_ms)])


def parse_erasure(line: str) -> Erasure:
    """The request in a tombstone's value; ``BadLineError`` when it is not ``id,erasedAtMs``."""
    fields = parse_line(line)
    if len(fields) != 2 or not fields[0]:
        raise BadLineError(line, "an erasure is 'id,erasedAtMs'")
    try:
        erased_at = int(fields[1])
    except ValueError:
        raise BadLineError(line, "an erasure's time must be whole milliseconds") from None
    return Erasure(fields[0], erased_at)


def latest_erasures(erasures: list[Erasure]) -> dict[str, int]:
    """ID -> the latest time it was erased at (an ID erased twice is erased up to the later request)."""
    latest: dict[str, int] = {}
    for erasure in erasures:
        latest[erasure.id_] = max(erasure.erased_at_ms, latest.get(erasure.id_, erasure.erased_at_ms))
    return latest


def requested_erasures(tombstones: Iterable[str | None], logger: logging.Logger, where: str) -> dict[str, int]:
    """ID -> time erased up to, from tombstone values; a malformed one is counted and logged, as a bad line is."""
    counter = BadLineCounter()
    requests: list[Erasure] = []
    for value in tombstones:
        try:
            requests.append(parse_erasure(value or ""))
        except BadLineError as error:
            counter.record(value or "", error.reason)
    counter.log_summary(logger, where)
    return latest_erasures(requests)


def is_erased(line: str, erased: dict[str, int]) -> bool:
    """True when ``line`` is one of the lines the module doc says an erasure removes."""
    if not erased:
        return False
    try:
        fields = parse_line(line)
    except BadLineError:
        return any(id_ in line for id_ in erased)
    if not fields or fields[0] not in erased:
        return False
    if len(fields) <= TIMESTAMP_FIELD:
        return True
    try:
        return int(fields[TIMESTAMP_FIELD]) <= erased[fields[0]]
    except ValueError:
        return True
