"""infra/lib.sh's ``alive``: a running process is alive, a zombie (killed, not yet reaped) and a gone pid are not,
so the broker and cluster scripts restart a broker right after ``kill -9``."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

LIB = Path(__file__).resolve().parents[3] / "infra" / "lib.sh"


def alive(pid: int) -> bool:
    return subprocess.run(["bash", "-c", f'source "{LIB}"; alive {pid}']).returncode == 0


def test_a_running_process_is_alive() -> None:
    assert alive(os.getpid())


def test_a_zombie_is_not_alive() -> None:
    child = subprocess.Popen(["true"])
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child.pid}/stat").read_text().split(") ")[-1][0] != "Z":  # exited, not reaped by us yet
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert not alive(child.pid)
    child.wait()


def test_a_reaped_pid_is_not_alive() -> None:
    child = subprocess.Popen(["true"])
    child.wait()
    assert not alive(child.pid)
