"""Known items: which items each user interacted with, as the update topic's ``UP`` messages tell.

Serving reads them for ``/knownItems``, to exclude a user's items from recommendations, and for the popularity
counts; the model state (``state``) feeds and prunes them.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Collection, Iterable

__all__ = ["KnownItems"]


class KnownItems:
    """Thread-safe user -> set of item IDs the user interacted with (``/knownItems``, exclusions, counts).

    Fed by ``UP`` messages' 4th element only; as in Oryx 2, speed-layer deletes do not remove items (the
    speed layer drops deleted pairs), and a new ``MODEL`` prunes to the users and items it retains.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, set[str]] = {}

    def add(self, user: str, items: Iterable[str]) -> None:
        with self._lock:
            self._items.setdefault(user, set()).update(items)

    def get(self, user: str) -> frozenset[str]:
        """The user's known items (empty for an unknown user), as an immutable copy."""
        with self._lock:
            return frozenset(self._items.get(user, ()))

    def forget(self, user: str) -> None:
        """Drops the user and every item they knew (an erasure)."""
        with self._lock:
            self._items.pop(user, None)

    def users(self) -> list[str]:
        with self._lock:
            return list(self._items)

    def retain(self, users: Collection[str], items: Collection[str]) -> None:
        """Keeps only the given users, and in their sets only the given items (the ``MODEL`` pruning)."""
        users, items = set(users), set(items)
        with self._lock:
            self._items = {
                user: {item for item in known if item in items} for user, known in self._items.items() if user in users
            }

    def user_counts(self) -> Counter[str]:
        """Number of known items per user (``/mostActiveUsers``)."""
        with self._lock:
            return Counter({user: len(known) for user, known in self._items.items() if known})

    def item_counts(self) -> Counter[str]:
        """Number of users knowing each item (``/mostPopularItems``)."""
        counts: Counter[str] = Counter()
        with self._lock:
            for known in self._items.values():
                counts.update(known)
        return counts
