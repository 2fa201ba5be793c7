"""``oryx down``'s stop of one managed process: the process first, so it can stop its children in order, then
whatever of its group is left."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from oryx_cli.processes import ManagedProcess, _group_alive

# The leader records whether its child was still alive when the leader got SIGTERM, then stops it and exits: as
# the speed layer must still reach Spark's JVM while it stops its query.
ORDERLY = """
sleep 60 & child=$!
trap 'if kill -0 $child 2>/dev/null; then echo child-alive > "$MARKER"; else echo child-gone > "$MARKER"; fi
      kill $child; exit 0' TERM
echo ready > "$MARKER.ready"
wait
"""

# The leader exits at once; its child ignores SIGTERM and would outlive it.
STUBBORN_CHILD = """
(trap '' TERM; sleep 60) &
echo ready > "$MARKER.ready"
wait
"""


def started(tmp_path: Path, script: str) -> tuple[ManagedProcess, int, Path]:
    process = ManagedProcess("test", tmp_path / "run", tmp_path / "logs")
    marker = tmp_path / "marker"
    env = {**os.environ, "MARKER": str(marker)}
    pid = process.start(["bash", "-c", script], env, tmp_path)
    # `oryx up` has exited by the time `oryx down` runs, so init reaps the process; here this test is its parent.
    threading.Thread(target=os.waitpid, args=(pid, 0), daemon=True).start()
    deadline = time.monotonic() + 10
    while not Path(f"{marker}.ready").exists():
        assert time.monotonic() < deadline, "the test process did not start"
        time.sleep(0.05)
    return process, pid, marker


def test_the_process_is_signalled_before_its_children(tmp_path: Path) -> None:
    process, pid, marker = started(tmp_path, ORDERLY)
    assert process.stop(timeout=10) is True
    assert marker.read_text().strip() == "child-alive"
    assert not _group_alive(pid) and process.pid() is None


def test_children_that_outlive_the_process_are_killed(tmp_path: Path) -> None:
    process, pid, _ = started(tmp_path, STUBBORN_CHILD)
    assert process.stop(timeout=10) is True
    deadline = time.monotonic() + 5
    while _group_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _group_alive(pid)


def test_stopping_a_process_that_is_not_running_says_so(tmp_path: Path) -> None:
    assert ManagedProcess("idle", tmp_path / "run", tmp_path / "logs").stop(timeout=1) is False
