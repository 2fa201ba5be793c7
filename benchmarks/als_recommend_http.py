"""``als_recommend.py``'s HTTP measurement: the real ``create_app`` under gunicorn, driven by ``wrk``.

Each server is a child process, ``python benchmarks/als_recommend_http.py --serve MODE --port N --items ...``,
holding the random model of ``als_recommend_model``: MODE is a sample rate (1.0 exact, < 1 LSH) or ``ann`` (the
HNSW graph at ``oryx.als.ann.target-recall`` 0.95, served once the graph has caught up). ``http_rounds`` starts
one per mode, the ANN one twice (on both cores, and pinned to one core with ``taskset``, to show how throughput
grows with cores), warms them up, and runs interleaved ``wrk`` rounds of ``GET /recommend/u{n}`` with varying
users. ``wrk`` runs on the same two cores, so the server never has them to itself.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from als_recommend_model import fill, random_factors

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the unit tests' in-memory update topic, tests/support/memory_topics.py


def serving_app(args: argparse.Namespace) -> Any:
    from support.memory_topics import InMemoryBroker, InMemoryProducer, InMemoryUpdateConsumer

    from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml
    from oryx_core.config import load_config
    from oryx_core.ml.pmml import write_pmml
    from oryx_serving import create_app

    broker = InMemoryBroker()
    pmml = write_pmml(build_als_pmml(ALSModelDescription(features=args.features, implicit=True)))
    InMemoryProducer(broker, "OryxUpdate").send_sync("MODEL", pmml)
    config = load_config(
        None,
        [
            "oryx.serving.no-init-topics=true",
            "oryx.serving.model-manager-class=com.cloudera.oryx.app.serving.als.model.ALSServingModelManager",
            "oryx.serving.application-resources=com.cloudera.oryx.app.serving.als",
            f"oryx.als.sample-rate={1.0 if args.serve == 'ann' else args.serve}",
            f"oryx.als.ann.enabled={str(args.serve == 'ann').lower()}",
        ],
    )
    app = create_app(
        config,
        update_consumer=InMemoryUpdateConsumer(broker, "OryxUpdate"),
        input_producer=InMemoryProducer(broker, "OryxInput"),
    )
    manager = app.extensions["oryx"].model_manager
    while manager.get_model() is None:
        time.sleep(0.01)
    model = manager.get_model()
    fill(model, *random_factors(args.items, args.users, args.features))
    if model.ann is not None and not model.ann.caught_up(3_600):
        raise SystemExit("the ANN graph did not catch up within an hour")
    return app


def serve(args: argparse.Namespace) -> None:
    from gunicorn.app.base import BaseApplication

    from oryx_core.config import load_config
    from oryx_serving.__main__ import gunicorn_options
    from oryx_serving.lambda_.settings import ServingSettings

    options = gunicorn_options(ServingSettings.from_config(load_config()))
    options.update(bind=f"127.0.0.1:{args.port}", workers=1, accesslog=None, timeout=600)

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return serving_app(args)

    Server().run()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(args: argparse.Namespace, mode: str, cores: str | None = None) -> tuple[subprocess.Popen[bytes], int]:
    """A server for ``mode`` (a sample rate or ``ann``), on the CPU list ``cores`` (taskset) when given."""
    import http.client

    port = free_port()
    command = ["taskset", "-c", cores] if cores else []
    command += [sys.executable, __file__, "--serve", mode, "--port", str(port)]
    command += ["--items", str(args.items), "--users", str(args.users), "--features", str(args.features)]
    process = subprocess.Popen(
        command,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ORYX_STATE_DIR": tempfile.mkdtemp(prefix="oryx-bench-als-")},
    )
    deadline = time.monotonic() + 3_600
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/recommend/u0")
            if connection.getresponse().status == 200:
                return process, port
        except OSError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"server for {mode} exited with {process.returncode}")
        time.sleep(0.5)
    stop_server(process)
    raise SystemExit(f"server for {mode} did not become ready")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


WRK_SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/recommend/u" .. tostring(counter % USERS))
end
"""


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(port: int, args: argparse.Namespace) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT.replace("USERS", str(args.users)))
    command = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--latency", "-s", script.name]
    output = subprocess.run([*command, f"http://127.0.0.1:{port}/"], capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    result = {"rate": rate}
    for label in ("50%", "99%"):
        found = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", output)
        result[label] = _ms(found.group(1), found.group(2)) if found else float("nan")
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    result["errors"] = float(errors.group(1)) if errors else 0.0
    return result


def http_rounds(args: argparse.Namespace) -> dict[str, list[dict[str, float]]]:
    servers = {
        "exact": start_server(args, "1.0"),
        f"sample-rate {args.sample_rate}": start_server(args, str(args.sample_rate)),
        "ann 0.95, 2 cores": start_server(args, "ann"),
        "ann 0.95, 1 core": start_server(args, "ann", cores="0"),
    }
    try:
        for _, port in servers.values():
            run_wrk(port, argparse.Namespace(**{**vars(args), "seconds": 2}))  # warm-up
        results: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
        for _ in range(args.rounds):
            for name, (_, port) in servers.items():
                results[name].append(run_wrk(port, args))
        return results
    finally:
        for process, _ in servers.values():
            stop_server(process)


def main() -> None:
    parser = argparse.ArgumentParser(description="one benchmark server (started by als_recommend.py)")
    parser.add_argument("--serve", required=True, help="a sample rate, or ann")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--items", type=int, required=True)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--features", type=int, required=True)
    serve(parser.parse_args())


if __name__ == "__main__":
    main()
