"""Background processes of the local stack: one pid file and one log file each, in the state folder.

Each process gets its own session (process group) so ``stop`` can reach every child it started (gunicorn
workers, Spark's JVM) after the process itself has stopped them in order; a plain ``&`` launch made Dagster
ignore SIGTERM.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from oryx_core.process_liveness import process_alive


@dataclass(frozen=True)
class ManagedProcess:
    name: str
    run_dir: Path
    log_dir: Path

    @property
    def pid_file(self) -> Path:
        return self.run_dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    def pid(self) -> int | None:
        """The recorded pid if that process is still alive."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if process_alive(pid) else None

    def start(self, command: list[str], env: dict[str, str], cwd: Path) -> int:
        if (pid := self.pid()) is not None:
            return pid
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            log.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} starting: {' '.join(command)}\n".encode())
            log.flush()
            process = subprocess.Popen(
                command,
                env=env,
                cwd=cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.pid_file.write_text(str(process.pid))
        return process.pid

    def stop(self, timeout: float = 30.0) -> bool:
        """SIGTERM the process itself and give it ``timeout`` to stop what it started, then SIGTERM whatever of
        its group is left and SIGKILL it after ``LEFTOVER_GRACE``; returns whether it had been running.

        The process goes first because it stops its children in order: the speed layer stops its query and then
        Spark's JVM, gunicorn's master its workers. Signalling the whole group at once killed the JVM while the
        speed layer was still stopping its query through it: a ``Py4JNetworkError`` trace on every stop.
        """
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
        _wait_until(lambda: self.pid() is None, timeout)
        # Children that outlived their parent (or a parent that ignored SIGTERM) go with the group.
        _signal_group(pid, signal.SIGTERM)
        _wait_until(lambda: not _group_alive(pid), LEFTOVER_GRACE)
        _signal_group(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True


LEFTOVER_GRACE = 5.0
"""Seconds the rest of a stopped process's group gets between SIGTERM and SIGKILL."""


def _wait_until(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.2)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
