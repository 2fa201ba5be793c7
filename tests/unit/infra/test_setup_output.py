"""The setup's output stays readable: progress for long steps, no terminal escapes, no packaging banners."""

from __future__ import annotations

import os
import subprocess
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
ESCAPES_THEN_FAILURE = "printf '\\033[0m\\033[0m[ERROR] Could not resolve org.example:missing:1.0\\033[0m\\n'"


def run_lib(script: str, tmp_path: Path, fake_mvn: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ORYX_STATE_DIR": str(tmp_path / "state")}
    if fake_mvn is not None:
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        (bin_dir / "mvn").write_text(f"#!/usr/bin/env bash\n{fake_mvn}\n")
        (bin_dir / "mvn").chmod(0o755)
        env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    command = f"source {REPO / 'infra' / 'lib.sh'}; {script}"
    return subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True, timeout=60)


def test_maven_colour_escapes_are_stripped_from_a_successful_resolution(tmp_path: Path) -> None:
    (tmp_path / "pom.xml").write_text("<project/>")
    result = run_lib(f"resolve_jars {tmp_path}/pom.xml {tmp_path}/jars", tmp_path, "printf '\\033[0m\\033[0m'")
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stderr
    assert "resolving" in result.stderr


def test_a_failed_resolution_shows_mavens_error_without_escapes_and_stops(tmp_path: Path) -> None:
    (tmp_path / "pom.xml").write_text("<project/>")
    result = run_lib(f"resolve_jars {tmp_path}/pom.xml {tmp_path}/jars", tmp_path, f"{ESCAPES_THEN_FAILURE}; exit 1")
    assert result.returncode != 0
    assert "\x1b" not in result.stderr
    assert "[ERROR] Could not resolve org.example:missing:1.0" in result.stderr
    assert "Maven could not resolve the jars" in result.stderr


def test_pip_progress_counts_packages_and_passes_only_real_warnings(tmp_path: Path) -> None:
    pip_output = "".join(f"Collecting package{n}\n  Downloading package{n}.whl\n" for n in range(50))
    pip_output += "WARNING: Running pip as the 'root' user\nInstalling collected packages: package0\n"
    pip_output += "ERROR: Could not find a version that satisfies pinned==9\n"
    (tmp_path / "pip.log").write_text(pip_output)
    result = run_lib(f"pip_progress < {tmp_path}/pip.log", tmp_path)
    assert result.stderr.splitlines() == [
        "  25 packages resolved ...",
        "  50 packages resolved ...",
        "  50 packages resolved; installing them ...",
        "  ERROR: Could not find a version that satisfies pinned==9",
    ]


def test_the_licence_is_an_spdx_string_so_setuptools_prints_no_deprecation_banner() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert project["project"]["license"] == "Apache-2.0"
    assert any(req.startswith("setuptools>=77") for req in project["build-system"]["requires"])


def test_only_the_test_command_installs_a_browser() -> None:
    """Chromium is for the browser tests: setup installs it only when asked, and only infra/test.sh asks."""
    assert 'if [ "${ORYX_SETUP_BROWSER:-0}" = 1 ]' in (REPO / "infra" / "setup.sh").read_text()
    assert "ORYX_SETUP_BROWSER" not in (REPO / "infra" / "quickstart.sh").read_text()
    assert "ORYX_SETUP_BROWSER=1 " in (REPO / "infra" / "test.sh").read_text()
