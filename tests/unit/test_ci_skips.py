"""CI=true turns every skip into a failure (a test skipped for want of data or a browser would hide a gap)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]

SKIPPING_TEST = """
import pytest

def test_needs_data():
    pytest.skip("no data set here")

def test_runs():
    assert True
"""

SKIPPING_MODULE = """
import pytest

pytest.importorskip("a_module_that_does_not_exist")

def test_never_collected():
    assert True
"""


def _run(tmp_path: Path, source: str, ci: str | None) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_sample.py").write_text(source)
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    if ci is not None:
        env["CI"] = ci
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "pytest", "-p", "ci_skips", "-p", "no:cacheprovider", "-q", str(tmp_path)]
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_a_skipped_test_fails_under_ci(tmp_path: Path) -> None:
    result = _run(tmp_path, SKIPPING_TEST, "true")
    assert result.returncode == 1, result.stdout
    assert "1 failed, 1 passed" in result.stdout
    assert "skipped under CI=true" in result.stdout
    assert "no data set here" in result.stdout


def test_a_skipped_test_only_skips_outside_ci(tmp_path: Path) -> None:
    result = _run(tmp_path, SKIPPING_TEST, None)
    assert result.returncode == 0, result.stdout
    assert "1 passed, 1 skipped" in result.stdout


def test_a_module_skipped_at_import_fails_under_ci(tmp_path: Path) -> None:
    result = _run(tmp_path, SKIPPING_MODULE, "true")
    assert result.returncode != 0, result.stdout
    assert "module skipped under CI=true" in result.stdout
    assert "a_module_that_does_not_exist" in result.stdout
