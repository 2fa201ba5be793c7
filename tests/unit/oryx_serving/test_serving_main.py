"""``python -m oryx_serving``: fail fast on bad config, hand workers the effective config, stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from support.ports import free_port

from oryx_core.config import ConfigError, load_config
from oryx_serving.__main__ import gunicorn_options, main, validate, write_effective_config
from oryx_serving.lambda_.settings import ServingSettings

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = [
    "oryx.serving.model-manager-class=com.cloudera.oryx.example.serving.ExampleServingModelManager",
    "oryx.serving.application-resources=com.cloudera.oryx.example.serving",
]


def test_validate_names_a_missing_model_manager_class() -> None:
    with pytest.raises(ConfigError) as raised:
        validate(load_config())
    assert raised.value.key == "oryx.serving.model-manager-class"


def test_validate_names_an_unknown_resources_package() -> None:
    config = load_config(None, [EXAMPLE[0], "oryx.serving.application-resources=com.cloudera.oryx.nope"])
    with pytest.raises(ConfigError) as raised:
        validate(config)
    assert raised.value.key == "oryx.serving.application-resources"


def test_main_exits_2_naming_the_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-D", "oryx.serving.model-manager-class=no.such.Class"]) == 2
    assert "oryx.serving.model-manager-class" in capsys.readouterr().err


def test_effective_config_is_written_owner_only_and_reads_back(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ORYX_STATE_DIR", str(tmp_path))
    config = load_config(None, [*EXAMPLE, "oryx.serving.api.port=8080"])
    path = write_effective_config(config)
    assert path == tmp_path / "serving" / "effective.conf"
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_config(path).get_int("oryx.serving.api.port") == 8080


def test_gunicorn_options_follow_the_serving_keys() -> None:
    config = load_config(
        None, ["oryx.serving.api.port=8080", "oryx.serving.api.workers=3", "oryx.serving.api.threads=5"]
    )
    options = gunicorn_options(ServingSettings.from_config(config))
    assert {k: options[k] for k in ("bind", "workers", "threads", "worker_class", "accesslog")} == {
        "bind": "0.0.0.0:8080",
        "workers": 3,
        "threads": 5,
        "worker_class": "gthread",
        "accesslog": "-",
    }


def http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def test_serves_under_gunicorn_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "oryx_serving", *(a for o in EXAMPLE for a in ("-D", o))]
    command += ["-D", f"oryx.serving.api.port={port}", "-D", "oryx.serving.api.workers=1"]
    command += ["-D", "oryx.serving.api.threads=2", "-D", "oryx.serving.no-init-topics=true"]
    env = {**os.environ, "ORYX_STATE_DIR": str(tmp_path)}
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        status = None
        while status is None and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.2)
            status = http_status(f"http://127.0.0.1:{port}/ready")
        assert status == 503  # up, but no model: no-init-topics starts no follower
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        output = server.stdout.read().decode() if server.stdout else ""
    assert "GET /ready" in output  # the access log goes to stdout
