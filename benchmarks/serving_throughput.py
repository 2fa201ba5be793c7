"""Requests per second of the serving layer under gunicorn, against a bare Flask app measured in the same run.

    .venv/bin/python benchmarks/serving_throughput.py [--seconds 10] [--connections 32] [--client auto|wrk|python]

Two servers run side by side under exactly the gunicorn options ``python -m oryx_serving`` uses (gthread,
``oryx.serving.api.workers`` x ``threads`` from reference.conf, access log on):

* ``baseline``: a bare Flask app answering ``GET /hello`` with ``ok``: the cost of gunicorn + Flask alone;
* ``oryx``: the real ``create_app`` with the example app and a 10,000-word model, queried at ``/ready`` and
  ``/distinct/{word}`` (words vary per request where the client can do that).

The model arrives through the in-memory update topic, so no broker is needed and only the serving code path is
measured. The load generator is a separate process: ``wrk`` when installed (``apt-get install -y wrk``), else a
threaded Python client. Endpoints are measured in interleaved rounds and the median is reported. On a small machine
client and server share the cores, so compare the ratios, which come from the same run, rather than the absolute
figures across machines.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the unit tests' in-memory update topic, tests/support/memory_topics.py
WORDS = 10_000


# ---- servers (run in a child process: python serving_throughput.py --serve KIND --port N) -----------------------


def baseline_app() -> Any:
    from flask import Flask

    app = Flask("baseline")

    @app.get("/hello")
    def hello() -> str:
        return "ok"

    return app


def oryx_app() -> Any:
    from oryx_core.config import load_config

    config = load_config(
        None,
        [
            "oryx.serving.no-init-topics=true",
            "oryx.serving.model-manager-class=com.cloudera.oryx.example.serving.ExampleServingModelManager",
            "oryx.serving.application-resources=com.cloudera.oryx.example.serving",
        ],
    )
    return in_memory_app(config, json.dumps({f"w{i}": i for i in range(WORDS)}))


def in_memory_app(config: Any, model: str) -> Any:
    """The real ``create_app`` fed ``MODEL`` ``model`` on an in-memory update topic, once the model is loaded.

    Shared by the app benchmarks: what is measured is the serving layer, not a broker round trip.
    """
    from support.memory_topics import InMemoryBroker, InMemoryProducer, InMemoryUpdateConsumer

    from oryx_serving import create_app

    broker = InMemoryBroker()
    InMemoryProducer(broker, "OryxUpdate").send_sync("MODEL", model)
    app = create_app(
        config,
        update_consumer=InMemoryUpdateConsumer(broker, "OryxUpdate"),
        input_producer=InMemoryProducer(broker, "OryxInput"),
    )
    state = app.extensions["oryx"]
    deadline = time.monotonic() + 30
    while state.model_manager.get_model() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    return app


def serve(kind: str, port: int) -> None:
    run_gunicorn(port, baseline_app if kind == "baseline" else oryx_app)


def run_gunicorn(port: int, load_app: Callable[[], Any]) -> None:
    """Serves ``load_app()`` with the serving layer's own gunicorn options (from reference.conf) on ``port``."""
    from gunicorn.app.base import BaseApplication

    from oryx_core.config import load_config
    from oryx_serving.__main__ import gunicorn_options
    from oryx_serving.lambda_.settings import ServingSettings

    options = gunicorn_options(ServingSettings.from_config(load_config()))
    options["bind"] = f"127.0.0.1:{port}"

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return load_app()

    Server().run()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(kind: str) -> tuple[subprocess.Popen[bytes], int]:
    return launch_server(__file__, kind)


def launch_server(script: str, kind: str, *extra_args: str) -> tuple[subprocess.Popen[bytes], int]:
    """``python <script> --serve <kind> --port <free port> ...`` until its /hello (baseline) or /ready answers 200.

    Shared by the app benchmarks, whose scripts take the same ``--serve``/``--port`` arguments.
    """
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, script, "--serve", kind, "--port", str(port), *extra_args],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ORYX_STATE_DIR": tempfile.mkdtemp(prefix="oryx-bench-")},
    )
    probe = "/hello" if kind == "baseline" else "/ready"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", probe)
            if connection.getresponse().status == 200:
                return process, port
        except OSError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{kind} server did not become ready on port {port}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# ---- load generators ---------------------------------------------------------------------------------------------

WRK_SCRIPT = f"""
counter = 0
request = function()
  counter = counter + 1
  local path = string.gsub(wrk.path, "{{n}}", tostring(counter % {WORDS}))
  return wrk.format("GET", path)
end
"""
"""Varies ``{n}`` in the path per request, so ``/distinct/w{n}`` looks up a different word each time."""


def run_wrk(url: str, seconds: int, connections: int) -> tuple[float, int]:
    return run_wrk_script(url, WRK_SCRIPT, seconds, connections)


def run_wrk_script(url: str, script: str, seconds: int, connections: int) -> tuple[float, int]:
    """(requests/s, non-2xx responses) of wrk against ``url``, with a Lua ``script`` unless it is empty."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s"]
    path = None
    if script:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
            handle.write(script)
        path = handle.name
        command += ["-s", path]
    try:
        output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    finally:
        if path:
            os.unlink(path)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return rate, int(non_2xx.group(1)) if non_2xx else 0


def lines_wrk_script(kind: str, endpoint: str, lines: list[str], bulk: int) -> str:
    """Lua for wrk: plain GETs (""), GETs of ``<endpoint>/<line>`` cycling through ``lines``, or POSTs of ``bulk``
    lines."""
    if kind == "get":
        return ""
    if kind == "get-lines":
        table = ",".join(json.dumps(f"{endpoint}/{line}") for line in lines)
        return f"""
paths = {{{table}}}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
"""
    body = "\n".join((lines * (bulk // len(lines) + 1))[:bulk])
    return f"""
wrk.method = "POST"
wrk.body = {json.dumps(body)}
wrk.headers["Content-Type"] = "text/csv"
"""


def _python_client(host: str, port: int, path: str, seconds: float, threads: int, out: Any) -> None:
    """Runs in its own process: keep-alive connections, one per thread, for ``seconds``."""
    counts = [0] * threads
    errors = [0] * threads
    stop = time.monotonic() + seconds

    def work(index: int) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=10)
        n = 0
        while time.monotonic() < stop:
            connection.request("GET", path.replace("{n}", str(n % WORDS)))
            response = connection.getresponse()
            response.read()
            n += 1
            if response.status == 200:
                counts[index] += 1
            else:
                errors[index] += 1

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put((sum(counts) / (time.monotonic() - started), sum(errors)))


def run_python(url: str, seconds: int, connections: int) -> tuple[float, int]:
    match = re.match(r"http://([^:/]+):(\d+)(/.*)", url)
    assert match is not None
    queue: multiprocessing.Queue[tuple[float, int]] = multiprocessing.Queue()
    args = (match.group(1), int(match.group(2)), match.group(3), seconds, connections, queue)
    process = multiprocessing.Process(target=_python_client, args=args)
    process.start()
    result = queue.get(timeout=seconds + 60)
    process.join()
    return result


# ---- the run -----------------------------------------------------------------------------------------------------


ScriptedTarget = tuple[str, str, int]
"""(url, wrk Lua script, lines per request) of one endpoint in an app benchmark."""

Rates = dict[str, list[tuple[float, int]]]
"""Per target, (requests/s, non-2xx responses) of each round."""


def measure_scripted(targets: dict[str, ScriptedTarget], args: argparse.Namespace) -> Rates:
    """``measure`` for wrk scripts: a warm-up of each, then interleaved rounds."""
    for url, script, _ in targets.values():
        run_wrk_script(url, script, 2, args.connections)  # warm-up
    results: Rates = {name: [] for name in targets}
    for _ in range(args.rounds):
        for name, (url, script, _) in targets.items():
            results[name].append(run_wrk_script(url, script, args.seconds, args.connections))
    return results


def print_scripted(targets: dict[str, ScriptedTarget], results: Rates, args: argparse.Namespace, unit: str) -> None:
    """Median requests/s and ``unit``/s of each target, next to the first target's (the bare Flask baseline)."""
    base_rate = statistics.median(rate for rate, _ in next(iter(results.values())))
    print(f"\nserving: wrk -c{args.connections}, {args.seconds} s x {args.rounds} rounds, cpus={os.cpu_count()}")
    print(f"{'endpoint':<24}{'median req/s':>14}{unit + '/s':>15}{'non-2xx':>9}{'req/s vs bare Flask':>21}")
    for name, runs in results.items():
        median = statistics.median(rate for rate, _ in runs)
        errors = sum(e for _, e in runs)
        per_request = targets[name][2]
        print(f"{name:<24}{median:>14.0f}{median * per_request:>15.0f}{errors:>9}{median / base_rate:>21.3f}")


def measure(targets: dict[str, str], args: argparse.Namespace, client: str) -> dict[str, list[tuple[float, int]]]:
    """Interleaved rounds (every target once per round), so drifting background load hits all targets alike."""
    runner = run_wrk if client == "wrk" else run_python
    for url in targets.values():
        runner(url, 2, args.connections)  # warm-up: imports, connection pools, caches
    results: dict[str, list[tuple[float, int]]] = {name: [] for name in targets}
    for _ in range(args.rounds):
        for name, url in targets.items():
            results[name].append(runner(url, args.seconds, args.connections))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return
    client = args.client if args.client != "auto" else ("wrk" if shutil.which("wrk") else "python")
    if client == "python":
        args.connections = min(args.connections, 8)  # threads of one Python process; more only adds GIL contention
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"client={client} connections={args.connections} seconds={args.seconds} rounds={args.rounds} "
          f"cpus={os.cpu_count()} load average before={load}")  # fmt: skip
    baseline, baseline_port = start_server("baseline")
    oryx, oryx_port = start_server("oryx")
    targets = {
        "bare Flask /hello": f"http://127.0.0.1:{baseline_port}/hello",
        "oryx /ready": f"http://127.0.0.1:{oryx_port}/ready",
        "oryx /distinct/{word}": f"http://127.0.0.1:{oryx_port}/distinct/w{{n}}",
    }
    try:
        results = measure(targets, args, client)
    finally:
        stop_server(baseline)
        stop_server(oryx)
    base_rate = statistics.median(rate for rate, _ in results["bare Flask /hello"])
    print(f"{'endpoint':<24}{'median req/s':>14}{'min-max':>16}{'non-2xx':>9}{'vs bare Flask':>15}")
    for name, runs in results.items():
        rates = [rate for rate, _ in runs]
        median = statistics.median(rates)
        spread = f"{min(rates):.0f}-{max(rates):.0f}"
        errors = sum(e for _, e in runs)
        print(f"{name:<24}{median:>14.0f}{spread:>16}{errors:>9}{median / base_rate:>15.2f}")


if __name__ == "__main__":
    main()
