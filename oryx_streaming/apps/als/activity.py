"""What the speed layer knows of each ID's activity, to apply ``oryx.als.bounds`` between batch generations.

The batch layer applies admission and expiry to all retained history each generation (``oryx_core.apps.als
.bounds``); without this, a stream of ever-new users would still grow the speed layer's and serving's models
until then. So for every user and item in its input the speed layer counts lines and keeps the latest line's
time:

* **admission**: a pair is folded in only when its user and its item each hold a vector already (the batch
  layer or an earlier fold-in admitted them) or have reached ``min-interactions`` lines here;
* **expiry**: IDs whose latest line is older than ``expire-after-days`` leave, and the speed layer tells serving
  (``EXPIRE``). An ID that holds a vector when first seen here came from the batch model, which may know of
  later lines than this one: it counts as seen at that moment, and is left to the next generation's rule
  before then. A heap of (time, ID) finds them without a scan; an entry made stale by a later line of its ID
  is dropped when it surfaces.

What it costs: an entry per ID seen and a heap entry per newer line time within the expiry period (with expiry
off, only per ID still short of admission, and no heap), so this bookkeeping is bounded by the same rule it
enforces. IDs the batch model brought and the speed layer never saw are the batch layer's to expire at its
next generation.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable

from oryx_core.apps.als.aggregation import Record
from oryx_core.apps.als.bounds import IDBounds
from oryx_core.apps.als.messages import ITEM, USER

__all__ = ["IDActivity"]


class IDActivity:
    """Per kind ("X" users, "Y" items): ID -> [lines seen, latest line's ms], and with expiry a heap of
    (latest line's ms, ID) as they were set."""

    def __init__(self, bounds: IDBounds) -> None:
        self._bounds = bounds
        self._seen: dict[str, dict[str, list[int]]] = {USER: {}, ITEM: {}}
        self._by_time: dict[str, list[tuple[int, str]]] = {USER: [], ITEM: []}

    def __len__(self) -> int:
        return sum(len(ids) for ids in self._seen.values())

    def admitted(
        self,
        records: Iterable[Record],
        user_held: Callable[[str], bool],
        item_held: Callable[[str], bool],
        now_ms: int,
    ) -> list[Record]:
        """Counts the records, then keeps those whose user and item are admitted (held, or enough lines)."""
        records = list(records)
        for user, item, _, ts in records:
            self._touch(USER, user, ts, now_ms, user_held)
            self._touch(ITEM, item, ts, now_ms, item_held)
        return [r for r in records if self._admits(USER, r[0], user_held) and self._admits(ITEM, r[1], item_held)]

    def forget_held(
        self, records: Iterable[Record], user_held: Callable[[str], bool], item_held: Callable[[str], bool]
    ) -> None:
        """After a fold-in: without expiry, the records' IDs that now hold a vector need no more counting (the
        vector admits them from now on), so only IDs short of admission are kept."""
        if self._bounds.expires:
            return
        for user, item, _, _ in records:
            if user_held(user):
                self._seen[USER].pop(user, None)
            if item_held(item):
                self._seen[ITEM].pop(item, None)

    def expired(self, now_ms: int) -> list[tuple[str, str]]:
        """(kind, ID) of every ID whose latest line is older than the expiry period, now forgotten here."""
        oldest = self._bounds.oldest_kept_ms(now_ms)
        if oldest is None:
            return []
        gone: list[tuple[str, str]] = []
        for kind, heap in self._by_time.items():
            ids = self._seen[kind]
            while heap and heap[0][0] < oldest:
                last_ms, id_ = heapq.heappop(heap)
                entry = ids.get(id_)
                if entry is not None and entry[1] == last_ms:  # else a later line superseded this time
                    del ids[id_]
                    gone.append((kind, id_))
        return gone

    def _touch(self, kind: str, id_: str, ts: int, now_ms: int, held: Callable[[str], bool]) -> None:
        entry = self._seen[kind].get(id_)
        if entry is None:
            ts = max(ts, now_ms) if held(id_) else ts  # the batch model's ID: seen now (module docstring)
            self._seen[kind][id_] = [1, ts]
        else:
            entry[0] += 1
            if ts <= entry[1]:
                return
            entry[1] = ts
        if self._bounds.expires:
            heapq.heappush(self._by_time[kind], (ts, id_))

    def _admits(self, kind: str, id_: str, held: Callable[[str], bool]) -> bool:
        entry = self._seen[kind].get(id_)
        return held(id_) or (entry is not None and self._bounds.admits(entry[0]))
