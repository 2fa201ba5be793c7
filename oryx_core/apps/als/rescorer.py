"""User-supplied rescoring of ALS results: Oryx 2's ``Rescorer`` / ``RescorerProvider`` API in Python.

Deployments name their providers in ``oryx.als.rescorer-provider-class`` (comma-separated Python classes).
For each request, the serving layer asks the provider for a rescorer given the request's IDs and its
``rescorerParams`` arguments; a provider returns None when it has nothing to say about that endpoint.

Method names follow Python style; each maps one-to-one to Oryx 2's (``is_filtered`` = ``isFiltered``,
``get_recommend_rescorer`` = ``getRecommendRescorer`` and so on).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from oryx_core.classnames import load_class
from oryx_core.config import ConfigError

__all__ = [
    "MultiRescorer",
    "MultiRescorerProvider",
    "Rescorer",
    "RescorerProvider",
    "load_rescorer_providers",
]


@runtime_checkable
class Rescorer(Protocol):
    """Filters and re-weights candidate IDs for one request."""

    def is_filtered(self, id_: str) -> bool:
        """True to drop the ID from the results before scoring."""
        ...

    def rescore(self, id_: str, score: float) -> float:
        """The new score for the ID; NaN drops it from the results."""
        ...


class RescorerProvider:
    """Base class for rescorer providers: every factory method returns None (no rescoring) by default.

    Subclass it and override the methods for the endpoints you want to affect. ``args`` are the request's
    ``rescorerParams`` values, in order. Instances are created once with no arguments and shared by all
    request threads, so they must be thread-safe.
    """

    def get_recommend_rescorer(self, user_ids: Sequence[str], args: Sequence[str]) -> Rescorer | None:
        """For ``/recommend``, ``/recommendToMany`` and ``/recommendWithContext``."""
        return None

    def get_recommend_to_anonymous_rescorer(self, item_ids: Sequence[str], args: Sequence[str]) -> Rescorer | None:
        """For ``/recommendToAnonymous``."""
        return None

    def get_most_popular_items_rescorer(self, args: Sequence[str]) -> Rescorer | None:
        """For ``/mostPopularItems``; only ``is_filtered`` is used."""
        return None

    def get_most_active_users_rescorer(self, args: Sequence[str]) -> Rescorer | None:
        """For ``/mostActiveUsers``; only ``is_filtered`` is used."""
        return None

    def get_most_similar_items_rescorer(self, args: Sequence[str]) -> Rescorer | None:
        """For ``/similarity``."""
        return None


class MultiRescorer:
    """Several rescorers as one: filtered if any filters; scores pass through each rescorer in order."""

    def __init__(self, rescorers: Sequence[Rescorer]) -> None:
        if not rescorers:
            raise ValueError("MultiRescorer needs at least one rescorer")
        self.rescorers = tuple(rescorers)

    @staticmethod
    def of(rescorers: Sequence[Rescorer | None]) -> Rescorer | None:
        """None for no rescorers, the rescorer itself for one, else a ``MultiRescorer``; Nones are skipped."""
        present = [rescorer for rescorer in rescorers if rescorer is not None]
        if not present:
            return None
        return present[0] if len(present) == 1 else MultiRescorer(present)

    def is_filtered(self, id_: str) -> bool:
        return any(rescorer.is_filtered(id_) for rescorer in self.rescorers)

    def rescore(self, id_: str, score: float) -> float:
        for rescorer in self.rescorers:
            score = rescorer.rescore(id_, score)
            if math.isnan(score):
                return math.nan
        return score


class MultiRescorerProvider(RescorerProvider):
    """Several providers as one: each factory method combines the providers' rescorers with ``MultiRescorer``."""

    def __init__(self, providers: Sequence[RescorerProvider]) -> None:
        if not providers:
            raise ValueError("MultiRescorerProvider needs at least one provider")
        self.providers = tuple(providers)

    def get_recommend_rescorer(self, user_ids: Sequence[str], args: Sequence[str]) -> Rescorer | None:
        return MultiRescorer.of([p.get_recommend_rescorer(user_ids, args) for p in self.providers])

    def get_recommend_to_anonymous_rescorer(self, item_ids: Sequence[str], args: Sequence[str]) -> Rescorer | None:
        return MultiRescorer.of([p.get_recommend_to_anonymous_rescorer(item_ids, args) for p in self.providers])

    def get_most_popular_items_rescorer(self, args: Sequence[str]) -> Rescorer | None:
        return MultiRescorer.of([p.get_most_popular_items_rescorer(args) for p in self.providers])

    def get_most_active_users_rescorer(self, args: Sequence[str]) -> Rescorer | None:
        return MultiRescorer.of([p.get_most_active_users_rescorer(args) for p in self.providers])

    def get_most_similar_items_rescorer(self, args: Sequence[str]) -> Rescorer | None:
        return MultiRescorer.of([p.get_most_similar_items_rescorer(args) for p in self.providers])


_FACTORY_METHODS = tuple(name for name in vars(RescorerProvider) if name.startswith("get_"))


def _load_provider(name: str, key: str) -> RescorerProvider:
    """An instance of the named class, which must have the five factory methods (subclassing is easiest)."""
    cls = load_class(name, key)
    missing = [method for method in _FACTORY_METHODS if not callable(getattr(cls, method, None))]
    if missing:
        raise ConfigError(
            key,
            f"{name!r} is not a rescorer provider: it lacks {', '.join(missing)}; "
            "subclass oryx_core.apps.als.rescorer.RescorerProvider",
        )
    try:
        return cls()
    except TypeError as error:
        raise ConfigError(key, f"{name!r} must have a constructor taking no arguments: {error}") from error


def load_rescorer_providers(
    value: str | None, key: str = "oryx.als.rescorer-provider-class"
) -> RescorerProvider | None:
    """The provider(s) named by a comma-separated list of Python classes; None when the value is empty.

    Several providers are combined into one ``MultiRescorerProvider``, in the order given.
    """
    names = [name.strip() for name in (value or "").split(",") if name.strip()]
    providers = [_load_provider(name, key) for name in names]
    if not providers:
        return None
    return providers[0] if len(providers) == 1 else MultiRescorerProvider(providers)
