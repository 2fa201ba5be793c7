"""``process_alive``: running yes; a zombie (killed, not yet reaped) or a reaped pid no."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from oryx_core.process_liveness import process_alive


def test_this_process_is_alive() -> None:
    assert process_alive(os.getpid())


def test_an_unreaped_child_is_not_alive() -> None:
    child = subprocess.Popen(["true"])
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child.pid}/stat").read_text().split(") ")[-1][0] != "Z":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert not process_alive(child.pid)
    child.wait()
    assert not process_alive(child.pid)
