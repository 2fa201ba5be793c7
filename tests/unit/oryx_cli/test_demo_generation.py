"""The demo's generation step shows `oryx batch`'s summary and keeps Dagster's log out of the way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from oryx_cli import demo

FAKE_BATCH = """
import sys
print("generation 1700000000000 SUCCESS")
for n in range(500):
    print(f"dagster DEBUG line {n}", file=sys.stderr)
sys.exit(int(sys.argv[1]))
"""


@pytest.fixture
def fake_batch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    script = tmp_path / "fake_batch.py"
    script.write_text(FAKE_BATCH)
    monkeypatch.setenv("ORYX_STATE_DIR", str(tmp_path / "state"))
    return script


def use_exit_code(monkeypatch: pytest.MonkeyPatch, script: Path, code: int) -> None:
    monkeypatch.setattr(demo, "layer_command", lambda layer, args: [sys.executable, str(script), str(code)])


def test_the_summary_is_shown_and_the_log_goes_to_the_state_folder(
    fake_batch: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    use_exit_code(monkeypatch, fake_batch, 0)
    demo.run_generation(tmp_path / "oryx.conf")
    out, err = capfd.readouterr()
    assert "generation 1700000000000 SUCCESS" in out and "generation done in" in out
    assert "DEBUG" not in out + err
    log = tmp_path / "state" / "logs" / "demo-generation.log"
    assert str(log) in out
    assert log.read_text().count("dagster DEBUG line") == 500


def test_a_failed_generation_shows_the_end_of_its_log_and_raises(
    fake_batch: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    use_exit_code(monkeypatch, fake_batch, 1)
    with pytest.raises(subprocess.CalledProcessError):
        demo.run_generation(tmp_path / "oryx.conf")
    out, _ = capfd.readouterr()
    assert "dagster DEBUG line 499" in out and "dagster DEBUG line 460" in out
    assert "dagster DEBUG line 459" not in out  # only the last 40 lines
    assert "generation done" not in out
