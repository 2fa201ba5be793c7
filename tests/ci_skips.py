"""Under ``CI=true`` no test may skip: a test that would skip for want of a data set or a browser fails instead.

The hooks live here, imported by ``tests/conftest.py``, so that ``tests/unit/test_ci_skips.py`` can load them as a
plugin (``-p ci_skips``) into a separate pytest run and prove both rules.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


def _ci() -> bool:
    """CI runs set ``CI=true``: there a test that would skip (no data set, no browser) must fail instead."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if _ci() and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which must run every test: {_skip_reason(report)}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    """A module skipped at import (``pytest.importorskip``) fails the CI run too."""
    outcome = yield
    report = outcome.get_result()
    if _ci() and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"module skipped under CI=true, which must run every test: {_skip_reason(report)}"


def _skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)
