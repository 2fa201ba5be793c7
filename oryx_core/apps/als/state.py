"""THE in-memory ALS model, as both the speed layer and serving hold it: one implementation, so they cannot drift.

A ``MODEL`` only describes the model (``ALSModelDescription``: features, implicit, biases, rating range, the
user and item IDs); its vectors follow as ``UP`` messages, so the state fills up gradually. This class keeps:

* the description and its ``VectorLayout``;
* X (users) and Y (items) as ``FeatureVectors`` (Y optionally with an LSH, for serving's approximate scans);
* known items per user, when tracked (serving; the speed layer never reads them);
* the IDs the current model lists that have not arrived yet ("expected"), hence ``fraction_loaded``;
* which vectors are "recent", and so survive a new ``MODEL`` that does not list them.

**The one rule for what survives a new MODEL of the same shape** (same features, feedback type and biases; a
different shape starts an empty state): the IDs the new model lists, plus the IDs set since the *previous model
finished loading* that kind of vector (its last expected user, or item, vector arrived; X and Y each by
itself). While a model is still loading a kind, every vector of that kind set counts as recent, which is
Oryx 2's rule ("added since the last model", spec 4.1): a model that never completes (a lost ``UP``, or the
next ``MODEL`` arriving first) loses nothing. Once it has completed, every one of its
vectors is here, so only vectors set later can be newer than it (the speed layer's fold-ins, read back from the
topic): they alone survive, and a user the batch layer dropped no longer lingers for one extra generation, as
it did in Oryx 2, where the model's own ``UP`` messages counted as recent too.

Why this rule rather than the speed layer's former "only its own fold-ins are recent": it is decided from the
update topic alone, which both layers read in the same order, so the speed layer and serving keep exactly the
same IDs. Serving cannot tell a fold-in's ``UP`` from the batch layer's, so the fold-in rule could only ever
hold in one layer.

Thread safety: the stores are thread-safe on their own (see ``vectors``); the one lock here guards the small
expected-ID sets. Two writers at once (the update follower and a speed-layer fold-in) stay consistent; the only
thing their interleaving decides is whether a vector set at the very moment a model completes counts as recent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Sequence

import numpy as np

from oryx_core.apps.als.known_items import KnownItems
from oryx_core.apps.als.layout import VectorLayout
from oryx_core.apps.als.lsh import LocalitySensitiveHash
from oryx_core.apps.als.messages import USER
from oryx_core.apps.als.model_pmml import ALSModelDescription
from oryx_core.apps.als.vectors import FeatureVectors

log = logging.getLogger(__name__)

__all__ = ["ALSModelState"]


class ALSModelState:
    """One ALS model's vectors, known items and loading progress; ``description`` lists what is expected.

    Subclasses (the speed model, the serving model) add what only their layer does with the vectors; they learn
    of changes through ``_users_changed`` / ``_items_changed`` (say, to mark a Gram-matrix solver dirty).
    """

    def __init__(
        self,
        description: ALSModelDescription,
        *,
        track_known_items: bool = True,
        item_lsh: LocalitySensitiveHash | None = None,
    ) -> None:
        self.description = description
        self.layout: VectorLayout = description.layout
        self.track_known_items = track_known_items
        factors = self.layout.factors
        self.x = FeatureVectors(description.features, cosine_features=factors)
        self.y = FeatureVectors(description.features, lsh=item_lsh, cosine_features=factors)
        self.known_items = KnownItems()
        self._expected_lock = threading.Lock()
        self._expected_users: set[str] = set(description.x_ids)
        self._expected_items: set[str] = set(description.y_ids)

    @property
    def features(self) -> int:
        """The length of every vector (k, or k + 2 for a biased model)."""
        return self.description.features

    @property
    def implicit(self) -> bool:
        return self.description.implicit

    def has_shape_of(self, description: ALSModelDescription) -> bool:
        """True when a new ``MODEL`` can keep these vectors: same length, feedback type and bias layout."""
        return (
            self.features == description.features
            and self.implicit == description.implicit
            and self.layout.biased == description.biased
        )

    # ---- a new MODEL -------------------------------------------------------------------------------------

    def retain_for(self, description: ALSModelDescription) -> None:
        """A new ``MODEL`` of the same shape: its layout (global mean, rating range) from now on, and the
        module docstring's rule for which vectors stay. Its IDs not held yet become expected."""
        if not self.has_shape_of(description):
            raise ValueError(f"a model of {description.features} features cannot keep vectors of {self.features}")
        self.description = description
        self.layout = description.layout
        self.retain_recent_and_ids(description.x_ids, description.y_ids)

    def retain_recent_and_ids(self, user_ids: Collection[str], item_ids: Collection[str]) -> None:
        """Keeps the given IDs and the recent ones (then nothing is recent); known items are pruned to the users
        and items kept or listed, and the listed IDs not held become expected (Oryx 2's ``retainRecentAnd*``)."""
        users, items = set(user_ids), set(item_ids)
        dropped_users = self.x.retain_recent_and(users)
        dropped_items = self.y.retain_recent_and(items)
        if self.track_known_items:
            self.known_items.retain(set(self.x.ids()) | users, set(self.y.ids()) | items)
        with self._expected_lock:
            self._expected_users = {user for user in users if user not in self.x}
            self._expected_items = {item for item in items if item not in self.y}
        self._users_changed()
        self._items_changed()
        log.info(
            "ALS model: kept %d user and %d item vectors, dropped %d and %d",
            len(self.x),
            len(self.y),
            dropped_users,
            dropped_items,
        )

    def erase_user(self, user: str) -> bool:
        """Forgets the user at once (``oryx_core.input.erasure``): vector, known items and any expectation of
        their vector; True if a vector was held. The user's next interaction makes them a new user."""
        removed = self.x.remove(user)
        if self.track_known_items:
            self.known_items.forget(user)
        with self._expected_lock:
            self._expected_users.discard(user)
        if removed:
            self._users_changed()
        return removed

    def expire(self, kind: str, id_: str) -> bool:
        """The user (``kind`` "X": vector and known items) or item ("Y": vector) left the model by expiry
        (``oryx_core.apps.als.bounds``); True if a vector was held. Known items naming an expired item stay
        until the next ``MODEL`` prunes them: they only ever exclude it from a list it is no longer in."""
        if kind == USER:
            return self.erase_user(id_)
        removed = self.y.remove(id_)
        with self._expected_lock:
            self._expected_items.discard(id_)
        if removed:
            self._items_changed()
        return removed

    # ---- vectors arriving ----------------------------------------------------------------------------------

    def set_user_vector(self, user: str, vector: np.ndarray, known_items: Sequence[str] | None = None) -> None:
        """Sets Xu; ``known_items`` (an ``UP``'s 4th element) are added to the user's known items."""
        self.set_user_vectors([user], self._one_row(user, vector), [known_items])

    def set_item_vector(self, item: str, vector: np.ndarray, users: Sequence[str] | None = None) -> None:
        """Sets Yi; ``users`` (the speed layer's 4th element) now know the item."""
        self.set_item_vectors([item], self._one_row(item, vector), [users])

    def _one_row(self, id_: str, vector: np.ndarray) -> np.ndarray:
        row = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        if row.shape[1] != self.features:
            raise ValueError(f"vector for {id_!r} has {row.shape[1]} features, expected {self.features}")
        return row

    def set_user_vectors(
        self, users: Sequence[str], matrix: np.ndarray, known_items: Sequence[Sequence[str] | None] | None = None
    ) -> None:
        """Many user vectors at once, in order, as ``set_user_vector`` for each (row i and ``known_items[i]``
        for ``users[i]``; a repeated user keeps its last row): one store write, as a poll of ``UP`` loads."""
        self._set_many(self.x, self._expected_users, users, matrix)
        if known_items is not None and self.track_known_items:
            for user, items in zip(users, known_items, strict=True):
                if items:
                    self.known_items.add(user, items)
        self._users_changed()

    def set_item_vectors(
        self, items: Sequence[str], matrix: np.ndarray, users: Sequence[Sequence[str] | None] | None = None
    ) -> None:
        """Many item vectors at once, in order, as ``set_item_vector`` for each (``users[i]`` for item i)."""
        self._set_many(self.y, self._expected_items, items, matrix)
        if users is not None and self.track_known_items:
            for item, known_users in zip(items, users, strict=True):
                for user in known_users or ():
                    self.known_items.add(user, (item,))
        self._items_changed()

    def _set_many(self, store: FeatureVectors, expected: set[str], ids: Sequence[str], matrix: np.ndarray) -> None:
        """``store.set_many`` in at most two parts, split after the vector that completes the model's IDs of this
        kind, so that exactly the vectors set after it stay "recent" (the module docstring's rule)."""
        with self._expected_lock:
            last = _completing_position(expected, ids)
        if last is None:
            store.set_many(ids, matrix)
            with self._expected_lock:
                expected.difference_update(ids)
            return
        store.set_many(ids[: last + 1], matrix[: last + 1])
        with self._expected_lock:
            expected.clear()
        store.forget_recent()
        store.regroup()  # complete: every row grouped for approximate scans (a no-op without an LSH)
        if last + 1 < len(ids):
            store.set_many(ids[last + 1 :], matrix[last + 1 :])

    def _users_changed(self) -> None:
        """Called after X changed; a subclass marks what it derives from X stale."""

    def _items_changed(self) -> None:
        """Called after Y changed; a subclass marks what it derives from Y stale."""

    # ---- loading progress -----------------------------------------------------------------------------------

    def fraction_loaded(self) -> float:
        """loaded / (loaded + still expected), over users and items; 1 when nothing is expected."""
        with self._expected_lock:
            expected = len(self._expected_users) + len(self._expected_items)
        if expected == 0:
            return 1.0
        loaded = len(self.x) + len(self.y)
        return loaded / (loaded + expected)

    def expected_ids(self) -> tuple[frozenset[str], frozenset[str]]:
        """(users, items) the current model lists that have not arrived yet."""
        with self._expected_lock:
            return frozenset(self._expected_users), frozenset(self._expected_items)


def _completing_position(expected: set[str], ids: Sequence[str]) -> int | None:
    """Index in ``ids`` at which every expected ID has arrived, or None if they do not all arrive."""
    if not expected or len(expected) > len(ids):  # the usual case while a model loads: no scan needed
        return None
    arrived: set[str] = set()
    for position, id_ in enumerate(ids):
        if id_ in expected:
            arrived.add(id_)
            if len(arrived) == len(expected):
                return position
    return None
