"""Which IDs may hold a vector when IDs grow without end (``oryx.als.bounds.*``; not in Oryx 2).

Two optional rules, one definition for every layer (the batch layer runs them as
``sql/apps/als/admitted_interactions.sql``, which must agree with :meth:`IDBounds.keeps`):

* **admission**: an ID (user or item) gets a vector only once it has at least ``min-interactions`` input lines;
  a user who clicked once and never came back then costs no memory. 1 (the default) admits every ID, as Oryx 2.
* **expiry**: an ID with no input line in the last ``expire-after-days`` days leaves the model; 0 (the default)
  keeps every ID. Time is the input's own: a line's timestamp, against the generation's time.

Why per ID and by line count: both are what a user can state about their data ("someone with fewer than three
ratings is not worth a vector"; "users gone for a year are gone"), and both bound the model by the number of
active IDs instead of every ID ever seen.
"""

from __future__ import annotations

from dataclasses import dataclass

from oryx_core.config_values import OryxConfig

__all__ = ["DAY_MS", "IDBounds"]

DAY_MS = 86_400_000
MIN_INTERACTIONS_KEY = "oryx.als.bounds.min-interactions"
EXPIRE_AFTER_DAYS_KEY = "oryx.als.bounds.expire-after-days"


@dataclass(frozen=True)
class IDBounds:
    """``min_interactions`` (1: off) and ``expire_after_days`` (0: off), as configured."""

    min_interactions: int = 1
    expire_after_days: float = 0.0

    @classmethod
    def from_config(cls, config: OryxConfig) -> IDBounds:
        return cls(config.get_int(MIN_INTERACTIONS_KEY), config.get_float(EXPIRE_AFTER_DAYS_KEY))

    @property
    def expires(self) -> bool:
        """Whether IDs leave the model by time at all."""
        return self.expire_after_days > 0.0

    @property
    def active(self) -> bool:
        """False with the defaults: then no layer spends anything on them."""
        return self.min_interactions > 1 or self.expires

    def admits(self, interactions: int) -> bool:
        """Whether an ID with ``interactions`` input lines may get a vector."""
        return interactions >= self.min_interactions

    def oldest_kept_ms(self, now_ms: int) -> int | None:
        """The earliest last-seen time an ID may have at ``now_ms`` and stay; None when nothing expires."""
        return now_ms - round(self.expire_after_days * DAY_MS) if self.expires else None

    def keeps(self, interactions: int, last_seen_ms: int, now_ms: int) -> bool:
        """Whether an ID with ``interactions`` lines, the latest at ``last_seen_ms``, holds a vector at ``now_ms``."""
        oldest = self.oldest_kept_ms(now_ms)
        return self.admits(interactions) and (oldest is None or last_seen_ms >= oldest)
