"""The ported test functions of some modules, to run them again against another server (``live_serving``)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest


def upstream_cases(*modules: ModuleType) -> list[Any]:
    """One ``pytest.param(function, fixture name)`` per ported test method (its one parameter names the fixture
    it expects), with the id ``<UpstreamClass>.<method>``; strict xfails stay xfails."""
    cases = []
    for module in modules:
        upstream_class = module.__name__.rsplit("_", 1)[-1]
        for name, function in vars(module).items():
            if not (name.startswith("test") and inspect.isfunction(function)):
                continue
            (fixture,) = inspect.signature(function).parameters
            marks = [mark for mark in getattr(function, "pytestmark", []) if mark.name == "xfail"]
            cases.append(pytest.param(function, fixture, id=f"{upstream_class}.{name}", marks=marks))
    return cases


UpstreamTest = Callable[[Any], None]
