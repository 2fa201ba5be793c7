"""``.ci/run``, the command CI runs, fails when pytest ran no test and passes when the tests it ran passed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def ci_run(pytest_options: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTEST_ADDOPTS": f"{pytest_options} -p no:cacheprovider -q"}
    return subprocess.run(
        ["bash", str(REPO / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_ci_fails_when_no_test_was_collected() -> None:
    result = ci_run("-k zzz_no_test_has_this_name")

    assert result.returncode == 5, result.stdout[-2000:] + result.stderr[-2000:]
    assert "CI fails when no test ran" in result.stderr


def test_ci_passes_when_the_selected_tests_pass() -> None:
    result = ci_run("tests/unit/support/test_ports.py")

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
