"""Shared by the tests that open Dagster's UI: a Dagster instance on disk and ``dagster-webserver`` serving it
with the batch layer's code location, as ``oryx up`` runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from conftest import REPO
from dagster import DagsterInstance
from dagster._core.instance.ref import InstanceRef
from support.ports import free_port
from support.waiting import wait_for

from oryx_assets.resources import CONF_ENV

QUIET_INSTANCE = "telemetry:\n  enabled: false\nnux:\n  enabled: false\n"
"""Without telemetry, and without the newsletter dialog Dagster pops over a local page on a first visit."""
LAUNCH_AT_ONCE = "run_coordinator:\n  module: dagster._core.run_coordinator\n  class: DefaultRunCoordinator\n"
"""Runs launched from the UI start at once in a subprocess of the webserver, with no daemon to dequeue them."""


def persistent_instance(home: Path, settings: str = QUIET_INSTANCE) -> DagsterInstance:
    """An instance on disk (SQLite under ``home``), so a second process, the webserver, reads its runs."""
    home.mkdir()
    (home / "dagster.yaml").write_text(settings, "utf-8")
    return DagsterInstance.from_ref(InstanceRef.from_dir(str(home)))


@contextmanager
def persistent_instance_reader(home: Path) -> Iterator[DagsterInstance]:
    """The instance at ``home`` opened again, read-only in spirit: to see what the webserver's runs recorded."""
    with DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        yield instance


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


@contextmanager
def dagster_webserver(home: Path, conf: Path, log: Path) -> Iterator[str]:
    """``dagster-webserver`` on the instance at ``home`` and the config file ``conf``; yields its base URL."""
    port = free_port()
    command = [str(Path(sys.executable).with_name("dagster-webserver")), "-m", "oryx_assets.definitions"]
    env = {**os.environ, "DAGSTER_HOME": str(home), CONF_ENV: str(conf)}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "-h", "127.0.0.1", "-p", str(port)], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: process.poll() is not None or _answers(f"{base}/server_info"), 120, "the Dagster webserver")
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
