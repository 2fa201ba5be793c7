"""Which stored generations are past their maximum age (``oryx.batch.storage.max-age-{data,model}-hours``).

Pure functions over folder names, so the rules are tested without a file system. Ages are measured from the
generation being built rather than from the wall clock, so re-running an old generation never deletes data
that a newer generation still reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

WINDOW_PREFIX = "generation="
_FIRST_DIGITS = re.compile(r"\d+")
HOUR_MS = 3_600_000


def window_name(timestamp_ms: int) -> str:
    """The data folder of one generation; Spark reads the ``name=value`` form as a ``generation`` column."""
    return f"{WINDOW_PREFIX}{timestamp_ms}"


def window_timestamp(name: str) -> int | None:
    """The generation of a data folder name, or None for anything else in the data folder."""
    digits = name.removeprefix(WINDOW_PREFIX)
    return int(digits) if name.startswith(WINDOW_PREFIX) and digits.isdigit() else None


def model_timestamp(name: str) -> int | None:
    """Oryx 2's rule for model folders: the first run of digits in the name; hidden folders never count.

    ``.checkpoint`` (Spark's checkpoint folder inside the model folder) and ``_``-prefixed bookkeeping
    folders must survive retention, hence the exclusion.
    """
    if name.startswith((".", "_")):
        return None
    match = _FIRST_DIGITS.search(name)
    return int(match.group()) if match else None


def _expired(timestamps: dict[str, int], now_ms: int, max_age_hours: int) -> list[str]:
    if max_age_hours < 0:
        return []
    oldest_kept = now_ms - max_age_hours * HOUR_MS
    return sorted(name for name, ts in timestamps.items() if ts < oldest_kept)


def expired_windows(names: Iterable[str], now_ms: int, max_age_hours: int) -> list[str]:
    """Data folders older than ``max_age_hours`` before ``now_ms``; -1 keeps everything."""
    stamped = {n: ts for n in names if (ts := window_timestamp(n)) is not None}
    return _expired(stamped, now_ms, max_age_hours)


def expired_models(names: Iterable[str], now_ms: int, max_age_hours: int) -> list[str]:
    """Model folders older than ``max_age_hours`` before ``now_ms``; -1 keeps everything."""
    stamped = {n: ts for n in names if (ts := model_timestamp(n)) is not None}
    return _expired(stamped, now_ms, max_age_hours)
