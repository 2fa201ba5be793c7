"""Shared by the demo end-to-end tests: `oryx up` on one of conf/'s example files (with the test's ports and a
small machine's settings layered on top), then `oryx demo`, as a user runs them from the README."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ORYX = [sys.executable, "-m", "oryx_cli"]

CONFIG = """
include file("%(base)s")
oryx {
  id = "%(app_id)s"
  input-topic.broker = "127.0.0.1:%(broker)d"
  update-topic.broker = "127.0.0.1:%(broker)d"
  batch.streaming { master = "local[2]", generation-interval-sec = 3600, driver-memory = "1g" }
  speed.streaming { master = "local[1]", generation-interval-sec = 1, driver-memory = "512m" }
  serving.api { port = %(serving)d, workers = 1, threads = 4 }
  batch.ui.port = 0  # Spark picks a free port for each UI, so a running stack's 4040/4041 do not matter
  speed.ui.port = 0
%(extra)s
}
"""


def run_demo(
    env: dict[str, str],
    folder: Path,
    example: str,
    *,
    app_id: str,
    ports: tuple[int, int, int],
    extra: str = "",
    timeout: float = 900,
) -> str:
    """Starts the stack on ``conf/<example>`` plus ``extra`` HOCON lines, runs the demo and returns what it printed.

    ``ports`` are (broker, serving, Dagster); the stack_env fixture stops the stack whatever happens.
    """
    broker, serving, dagster = ports
    conf = folder / "demo.conf"
    values = {"base": REPO / "conf" / example, "app_id": app_id, "broker": broker, "serving": serving}
    conf.write_text(CONFIG % {**values, "extra": extra})

    def oryx(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*ORYX, *args], env=env, cwd=folder, text=True, capture_output=True, timeout=timeout)

    up = oryx("up", "--conf", str(conf), "--dagster-port", str(dagster), "--timeout", "240")
    assert up.returncode == 0, up.stdout + up.stderr
    demo = oryx("demo", "--conf", str(conf))
    assert demo.returncode == 0, demo.stdout[-4000:] + demo.stderr[-4000:]
    return demo.stdout


@dataclass(frozen=True)
class AlsDemoStack:
    """The README's quick start, done: the ALS stack up on MovieLens after `oryx demo`, still running."""

    output: str
    """What `oryx demo` printed."""
    serving_url: str
    """``http://127.0.0.1:<serving port>``, the test's stand-in for the README's ``http://127.0.0.1:8080``."""
    movielens: Path
