"""The Rescorer / RescorerProvider API, its combination rules and loading providers by class name."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest

from oryx_core.apps.als.rescorer import (
    MultiRescorer,
    MultiRescorerProvider,
    Rescorer,
    RescorerProvider,
    load_rescorer_providers,
)
from oryx_core.config import ConfigError

KEY = "oryx.als.rescorer-provider-class"


class AddOne:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def is_filtered(self, id_: str) -> bool:
        return id_ == "banned-by-add"

    def rescore(self, id_: str, score: float) -> float:
        self.calls.append(id_)
        return math.nan if id_ == "nan" else score + 1.0


class Double:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def is_filtered(self, id_: str) -> bool:
        return id_ == "banned-by-double"

    def rescore(self, id_: str, score: float) -> float:
        self.calls.append(id_)
        return score * 2.0


class RecommendOnly(RescorerProvider):
    def get_recommend_rescorer(self, user_ids: Sequence[str], args: Sequence[str]) -> Rescorer | None:
        return AddOne() if args != ["off"] else None


class RecommendAndSimilar(RescorerProvider):
    def get_recommend_rescorer(self, user_ids: Sequence[str], args: Sequence[str]) -> Rescorer | None:
        return Double()

    def get_most_similar_items_rescorer(self, args: Sequence[str]) -> Rescorer | None:
        return Double()


class NotAProvider:
    pass


def test_rescorers_satisfy_the_protocol() -> None:
    assert isinstance(AddOne(), Rescorer)
    assert not isinstance(NotAProvider(), Rescorer)


def test_base_provider_returns_none_for_every_endpoint() -> None:
    provider = RescorerProvider()
    assert provider.get_recommend_rescorer(["u"], []) is None
    assert provider.get_recommend_to_anonymous_rescorer(["i"], []) is None
    assert provider.get_most_popular_items_rescorer([]) is None
    assert provider.get_most_active_users_rescorer([]) is None
    assert provider.get_most_similar_items_rescorer([]) is None


def test_multi_rescorer_filters_if_any_rescorer_filters() -> None:
    multi = MultiRescorer([AddOne(), Double()])
    assert multi.is_filtered("banned-by-add")
    assert multi.is_filtered("banned-by-double")
    assert not multi.is_filtered("fine")


def test_multi_rescorer_chains_rescores_in_order() -> None:
    assert MultiRescorer([AddOne(), Double()]).rescore("x", 3.0) == 8.0  # (3 + 1) × 2
    assert MultiRescorer([Double(), AddOne()]).rescore("x", 3.0) == 7.0  # 3 × 2 + 1


def test_multi_rescorer_stops_at_nan() -> None:
    second = Double()
    assert math.isnan(MultiRescorer([AddOne(), second]).rescore("nan", 3.0))
    assert second.calls == []


def test_multi_rescorer_of_skips_nones_and_avoids_wrapping_one() -> None:
    only = AddOne()
    assert MultiRescorer.of([]) is None
    assert MultiRescorer.of([None, None]) is None
    assert MultiRescorer.of([None, only]) is only
    assert isinstance(MultiRescorer.of([only, Double()]), MultiRescorer)


def test_multi_provider_combines_the_providers_rescorers() -> None:
    provider = MultiRescorerProvider([RecommendOnly(), RecommendAndSimilar()])
    recommend = provider.get_recommend_rescorer(["u"], [])
    assert recommend is not None and recommend.rescore("x", 3.0) == 8.0
    assert isinstance(provider.get_most_similar_items_rescorer([]), Double)
    assert provider.get_most_popular_items_rescorer([]) is None


def test_multi_provider_passes_the_request_arguments() -> None:
    provider = MultiRescorerProvider([RecommendOnly(), RescorerProvider()])
    assert provider.get_recommend_rescorer(["u"], ["off"]) is None


def test_no_provider_configured_gives_none() -> None:
    assert load_rescorer_providers(None, KEY) is None
    assert load_rescorer_providers(" , ", KEY) is None


def test_one_provider_is_loaded_by_python_path() -> None:
    assert isinstance(load_rescorer_providers(f"{__name__}.RecommendOnly", KEY), RecommendOnly)


def test_several_providers_are_combined_in_order() -> None:
    provider = load_rescorer_providers(f"{__name__}.RecommendOnly, {__name__}.RecommendAndSimilar", KEY)
    assert isinstance(provider, MultiRescorerProvider)
    assert [type(p) for p in provider.providers] == [RecommendOnly, RecommendAndSimilar]


def test_a_class_that_is_not_a_provider_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not a rescorer provider"):
        load_rescorer_providers(f"{__name__}.NotAProvider", KEY)


def test_an_unknown_class_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=KEY):
        load_rescorer_providers("no_such_package.Provider", KEY)
