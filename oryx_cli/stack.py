"""``oryx up|down|status``: the whole local stack (broker, topics, Dagster webserver + daemon, speed, serving).

Every process is started by module or command name with its own log file under ``<state>/logs`` and pid
file under ``<state>/run``; ``down`` stops exactly what ``up`` started. The effective configuration is
written once to ``<state>/stack/effective.conf`` so every process reads the same settings.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from oryx_cli.layers import REPO, layer_command, layer_env
from oryx_cli.options import config_from
from oryx_cli.processes import ManagedProcess
from oryx_core.config import OryxConfig, load_config, state_dir, topic_settings

LOCAL_HOSTS = {"localhost", "127.0.0.1"}


@dataclass(frozen=True)
class Health:
    component: str
    healthy: bool
    detail: str


def managed(name: str) -> ManagedProcess:
    return ManagedProcess(name, state_dir() / "run", state_dir() / "logs")


def embedded_broker_port(config: OryxConfig) -> int | None:
    """The port of the broker to run here, or None when the config points at an external cluster."""
    brokers = topic_settings(config).input_broker.split(",")
    host, _, port = brokers[0].strip().rpartition(":")
    if len(brokers) != 1 or host not in LOCAL_HOSTS:
        return None
    return int(port or 9092)


def broker_script(command: str, port: int) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ORYX_STATE_DIR": str(state_dir()),
        "ORYX_KAFKA_PORT": str(port),
        "ORYX_KAFKA_PORT_HINT": "point oryx.input-topic.broker and oryx.update-topic.broker at another port",
    }
    return subprocess.run(
        ["bash", str(REPO / "infra/kafka/broker.sh"), command],
        env=env,
        text=True,
        capture_output=True,
        check=False,
    )


def dagster_bin(name: str) -> str:
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else name


def stack_processes(config: OryxConfig, conf: Path, dagster_port: int) -> dict[str, list[str]]:
    """Command line of each long-running process the configuration asks for."""
    workspace = str(REPO / "workspace.yaml")
    processes = {
        "dagster-webserver": [
            dagster_bin("dagster-webserver"),
            "-w",
            workspace,
            "-h",
            "127.0.0.1",
            "-p",
            str(dagster_port),
        ],
        "dagster-daemon": [dagster_bin("dagster-daemon"), "run", "-w", workspace],
    }
    if config.get_optional_string("oryx.speed.model-manager-class"):
        processes["speed"] = layer_command("speed", ["--conf", str(conf)])
    if config.get_optional_string("oryx.serving.model-manager-class"):
        processes["serving"] = layer_command("serving", ["--conf", str(conf)])
    return processes


def write_effective_config(config: OryxConfig) -> Path:
    path = state_dir() / "stack" / "effective.conf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config.to_hocon())
    return path


def http_status(url: str, timeout: float = 2.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (urllib.error.URLError, OSError):
        return None


def serving_url(config: OryxConfig) -> str:
    context = config.get_string("oryx.serving.api.context-path").rstrip("/")
    scheme = "https" if config.get_optional_string("oryx.serving.api.cert-file") else "http"
    return f"{scheme}://127.0.0.1:{config.get_int('oryx.serving.api.port')}{context}"


def check_health(config: OryxConfig, dagster_port: int) -> list[Health]:
    results: list[Health] = []
    port = embedded_broker_port(config)
    topics = topic_settings(config)
    if port is not None:
        status = broker_script("status", port)
        results.append(Health("kafka-broker", status.returncode == 0, status.stdout.strip()))
    results.append(_topics_health(topics.input_broker, [t for t in (topics.input_topic, topics.update_topic) if t]))
    for name in stack_processes(config, Path("-"), dagster_port):
        results.append(_process_health(name, config, dagster_port))
    return results


def _topics_health(brokers: str, names: list[str]) -> Health:
    from oryx_core.topics.admin import TopicAdmin

    try:
        admin = TopicAdmin(brokers)
        admin.wait_until_ready(3)
        missing = [name for name in names if not admin.topic_exists(name)]
    except Exception as error:  # an unreachable broker is a status to print, not a crash
        return Health("topics", False, f"broker {brokers} unreachable: {error}")
    if missing:
        return Health("topics", False, f"missing: {', '.join(missing)} (run `oryx kafka-setup`)")
    return Health("topics", True, ", ".join(names))


def _process_health(name: str, config: OryxConfig, dagster_port: int) -> Health:
    process = managed(name)
    pid = process.pid()
    if pid is None:
        return Health(name, False, f"not running (log: {process.log_file})")
    if name == "dagster-webserver":
        code = http_status(f"http://127.0.0.1:{dagster_port}/server_info")
        return Health(name, code == 200, f"pid {pid}, UI http://127.0.0.1:{dagster_port} (HTTP {code})")
    if name == "serving":
        code = http_status(serving_url(config) + "/ready")
        detail = {200: "ready", 503: "up, model not loaded yet"}.get(code or 0, f"not answering (HTTP {code})")
        return Health(name, code in (200, 503), f"pid {pid}, {serving_url(config)} {detail}")
    if name == "speed":
        return speed_health(pid, _speed_health())
    return Health(name, True, f"pid {pid}")


def speed_health(pid: int, health: dict[str, object]) -> Health:
    """The speed layer's own report, trusted only when the running process wrote it: after a ``kill -9`` and a
    restart, ``health.json`` still holds the dead process's "running" until the new one writes its own."""
    if health.get("pid") != pid:
        earlier = f" (health.json is from pid {health['pid']})" if "pid" in health else ""
        return Health("speed", False, f"pid {pid}, starting{earlier}")
    detail = ", ".join(f"{key} {health[key]}" for key in SPEED_FIELDS if key in health)
    return Health("speed", health.get("status") == "running", f"pid {pid}, {detail or 'starting'}")


SPEED_FIELDS = ("status", "query", "batches", "rows_in", "updates_out", "model_generation")


def _speed_health() -> dict[str, object]:
    try:
        return dict(json.loads((state_dir() / "speed" / "health.json").read_text()))
    except (OSError, ValueError):
        return {}


def up(args: argparse.Namespace) -> int:
    from oryx_core.topics.admin import TopicAdmin

    config = config_from(args)
    port = embedded_broker_port(config)
    if port is not None:
        started = broker_script("start", port)
        if started.returncode != 0:
            print(started.stderr.strip(), file=sys.stderr)
            return 1
        print(started.stdout.strip())
    topics = topic_settings(config)
    admin = TopicAdmin(topics.input_broker)
    admin.wait_until_ready(60)
    if topics.update_topic:
        created = admin.create_oryx_topics(
            topics.input_topic, topics.update_topic, max_message_bytes=topics.max_message_bytes
        )
        print(f"topics: {topics.input_topic}, {topics.update_topic}" + (f" (created {created})" if created else ""))
    conf = write_effective_config(config)
    env = {**layer_env(), "ORYX_CONF": str(conf)}
    # The webserver, the daemon and a batch run would each create Dagster's SQLite schema on first use and
    # race ("more than one head present"); creating it once, first, avoids that.
    migrate = subprocess.run(
        [dagster_bin("dagster"), "instance", "migrate"], env=env, text=True, capture_output=True, check=False
    )
    if migrate.returncode != 0:
        print(f"could not initialise Dagster's storage:\n{migrate.stderr}", file=sys.stderr)
        return 1
    for name, command in stack_processes(config, conf, args.dagster_port).items():
        pid = managed(name).start(command, env, REPO)
        print(f"{name}: pid {pid}, log {managed(name).log_file}")
    return wait_healthy(config, args.dagster_port, args.timeout)


def wait_healthy(config: OryxConfig, dagster_port: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        results = check_health(config, dagster_port)
        if all(h.healthy for h in results) or time.monotonic() > deadline:
            print_health(results)
            return 0 if all(h.healthy for h in results) else 1
        time.sleep(1.0)


def print_health(results: list[Health]) -> None:
    for health in results:
        mark = "ok  " if health.healthy else "FAIL"
        print(f"[{mark}] {health.component:<18} {health.detail}")


def status(args: argparse.Namespace) -> int:
    config = _stack_config(args)
    results = check_health(config, args.dagster_port)
    print_health(results)
    return 0 if all(h.healthy for h in results) else 1


def down(args: argparse.Namespace) -> int:
    config = _stack_config(args)
    for name in ("serving", "speed", "dagster-daemon", "dagster-webserver"):
        if managed(name).stop():
            print(f"{name}: stopped")
    port = embedded_broker_port(config)
    if port is not None and not args.keep_broker:
        print(broker_script("stop", port).stdout.strip())
    return 0


def _stack_config(args: argparse.Namespace) -> OryxConfig:
    """The config ``up`` wrote, so status/down act on what is running even without --conf."""
    effective = state_dir() / "stack" / "effective.conf"
    if not args.conf and effective.is_file():
        return load_config(effective, args.overrides)
    return config_from(args)


def register(sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]) -> None:
    specs = {
        "up": (up, "start the local stack: broker, topics, Dagster webserver + daemon, speed and serving"),
        "status": (status, "show each component of the local stack and whether it is healthy"),
        "down": (down, "stop everything `oryx up` started"),
    }
    for name, (handler, help_text) in specs.items():
        parser = sub.add_parser(name, help=help_text, description=help_text)
        common(parser)
        parser.add_argument("--dagster-port", type=int, default=3000, help="Dagster UI port (default 3000)")
        if name == "up":
            parser.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for health")
        if name == "down":
            parser.add_argument("--keep-broker", action="store_true", help="leave the Kafka broker running")
        parser.set_defaults(handler=handler)
