"""Oryx 2's ``ALSServingModelManagerTest``: ``oryx.als.rescorer-provider-class`` loaded by the ALS manager.

Oryx 2 calls the static ``loadRescorerProviders``; here the manager is built from config, which is where that
method is used. Oryx 2's ``IllegalArgumentException`` is our ``ConfigError`` (naming the key).
"""

from __future__ import annotations

import pytest

from oryx_core.apps.als.rescorer import MultiRescorerProvider, RescorerProvider
from oryx_core.config import ConfigError, load_config
from oryx_serving.apps.als.manager import ALSServingModelManager


class NullProvider2(RescorerProvider):
    """Oryx 2's ``NullProvider2``: every factory method returns None."""


class ErrorProvider(RescorerProvider):
    """Oryx 2's ``ErrorProvider``: its constructor fails."""

    def __init__(self) -> None:
        raise RuntimeError("test error")


class AbstractRescorerProviderTest:
    """Stands for Oryx 2's ``AbstractRescorerProviderTest``: a class that is not a rescorer provider."""


def manager(providers: str | None) -> ALSServingModelManager:
    overrides = [] if providers is None else [f"oryx.als.rescorer-provider-class={providers}"]
    return ALSServingModelManager(load_config(None, overrides))


def testLoad() -> None:
    assert manager(None).rescorer_provider is None
    assert isinstance(manager(f"{__name__}.NullProvider2").rescorer_provider, NullProvider2)
    multi = manager(f"{__name__}.NullProvider2,{__name__}.NullProvider2").rescorer_provider
    assert isinstance(multi, MultiRescorerProvider)


def testNoClass() -> None:
    with pytest.raises(ConfigError, match="oryx.als.rescorer-provider-class"):
        manager("noSuchClass")


def testBadInstantiation() -> None:
    with pytest.raises(ConfigError, match="oryx.als.rescorer-provider-class.*test error"):
        manager(f"{__name__}.ErrorProvider")


def testWrongClass() -> None:
    with pytest.raises(ConfigError, match="oryx.als.rescorer-provider-class"):
        manager(f"{__name__}.AbstractRescorerProviderTest")
