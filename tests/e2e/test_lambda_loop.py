"""The whole lambda loop through the real stack, driven only through the `oryx` CLI and HTTP.

`oryx up` starts a real Kafka broker, Dagster webserver + daemon, the speed layer (Spark Structured Streaming)
and the serving layer (gunicorn); lines POSTed to serving reach the input topic; `oryx batch` materializes a
generation through Dagster and publishes a MODEL; the speed layer turns a later line into UP updates; serving
answers from both. `oryx status` must call every component healthy and `oryx down` must stop them all.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from support.ports import free_ports
from support.stacks import example_stack_config
from support.waiting import wait_for

REPO = Path(__file__).resolve().parents[2]
BROKER_PORT, SERVING_PORT, DAGSTER_PORT = free_ports(3)
ORYX = [sys.executable, "-m", "oryx_cli"]


def http(method: str, path: str, body: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{SERVING_PORT}{path}",
        data=body.encode() if body is not None else None,
        method=method,
        headers={"Content-Type": "text/plain"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""


def test_lines_flow_through_batch_speed_and_serving(stack_env: dict[str, str], tmp_path: Path) -> None:
    conf = tmp_path / "loop.conf"
    conf.write_text(example_stack_config("Loop", BROKER_PORT, SERVING_PORT))

    def oryx(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*ORYX, *args], env=stack_env, cwd=tmp_path, text=True, capture_output=True, timeout=timeout
        )

    up = oryx("up", "--conf", str(conf), "--dagster-port", str(DAGSTER_PORT), "--timeout", "240")
    assert up.returncode == 0, up.stdout + up.stderr
    assert http("GET", "/ready")[0] == 503  # no model yet

    # A new speed query starts at the topic's latest offsets (Oryx 2's rule), fixed by its first micro-batch.
    health = Path(stack_env["ORYX_STATE_DIR"]) / "speed" / "health.json"
    wait_for(lambda: json.loads(health.read_text()).get("batches", 0) >= 1, 120, "the speed query's first batch")
    assert http("POST", "/add", "a b c\na d")[0] == 204
    wait_for(lambda: json.loads(health.read_text()).get("rows_in", 0) >= 2, 120, "the speed layer to see input")

    batch = oryx("batch", "--conf", str(conf))
    assert batch.returncode == 0, batch.stdout[-3000:] + batch.stderr[-3000:]
    wait_for(lambda: http("GET", "/ready")[0] == 200, 60, "serving to load the MODEL")
    assert http("GET", "/distinct/a") == (200, "3")
    assert http("GET", "/distinct/d") == (200, "1")
    assert http("GET", "/distinct/e")[0] == 400

    assert http("POST", "/add/a%20e")[0] == 204
    wait_for(lambda: http("GET", "/distinct/e")[0] == 200, 60, "the speed layer's UP for a new word")
    assert http("GET", "/distinct/e") == (200, "1")
    assert http("GET", "/distinct/a") == (200, "4")
    # The speed layer names the batch generation its model came from (a roll back would show here).
    speed_generation = json.loads(health.read_text()).get("model_generation")
    assert isinstance(speed_generation, int) and speed_generation > 1_600_000_000_000, health.read_text()

    status = oryx("status", "--dagster-port", str(DAGSTER_PORT))
    assert status.returncode == 0, status.stdout
    assert status.stdout.count("[ok  ]") == 6, status.stdout

    down = oryx("down", "--dagster-port", str(DAGSTER_PORT))
    assert down.returncode == 0, down.stderr
    logs = sorted((Path(stack_env["ORYX_STATE_DIR"]) / "logs").glob("*.log"))
    assert len(logs) >= 4, [log.name for log in logs]  # broker, speed, serving, Dagster (and its daemon)
    for log in logs:  # a clean stop: no process dies with a trace, before or during `oryx down`
        text = log.read_text(errors="replace")
        for trace in ("Traceback", "Py4JNetworkError", "ConnectionRefusedError"):
            assert trace not in text, f"{log.name} logged {trace}:\n{text[-4000:]}"
    after = oryx("status", "--dagster-port", str(DAGSTER_PORT))
    assert after.returncode == 1
    assert "[ok  ]" not in after.stdout, after.stdout
