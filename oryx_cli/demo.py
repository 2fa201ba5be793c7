"""``oryx demo``: feed real data through the running stack and show answers, for the README's first command.

It talks to the stack only the way a user would: HTTP to the serving layer (which writes to the input topic),
``oryx batch`` for a generation, then HTTP queries. The serving layer's model manager picks the demo: the app
whose registration (``oryx_core.app_registry``) names that manager and a ``demo`` entry, found without this module
naming any app. Each demo reads its data in place (``demos/datasets.py``), never copying it into the project.
"""

from __future__ import annotations

import argparse
import functools
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from oryx_cli.demos.http import wait_for
from oryx_cli.layers import layer_command, layer_env
from oryx_cli.options import config_from
from oryx_cli.stack import http_status, serving_url
from oryx_core.app_registry import AppRegistration, import_attribute, registered_apps
from oryx_core.classnames import JAVA_CLASSES
from oryx_core.config import ConfigError, OryxConfig, state_dir

GENERATION_LOG_TAIL = 40
MODEL_MANAGER_KEY = "oryx.serving.model-manager-class"

DemoRunner = Callable[[str], None]
"""A prepared demo, given the serving layer's base URL."""
PrepareDemo = Callable[[OryxConfig, str | None, Callable[[], None]], DemoRunner]
"""What a registration's ``demo`` names: (config, --data-file, run a generation) -> the runner; it checks its
data files first, so a missing one fails before the stack is touched."""


def run_generation(conf: Path) -> None:
    """``oryx batch`` as a user runs it: its summary is shown, Dagster's and Spark's own log (stderr, thousands of
    lines) goes to ``<state>/logs/demo-generation.log`` and is only shown, its end, when the generation fails."""
    log_file = state_dir() / "logs" / "demo-generation.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    print(f"running a batch generation (Dagster assets on Spark; log: {log_file}) ...", flush=True)
    started = time.monotonic()
    with log_file.open("w", encoding="utf-8") as log:
        command = layer_command("batch", ["--conf", str(conf)])
        finished = subprocess.run(command, env=layer_env(), stderr=log, check=False)
    if finished.returncode != 0:
        tail = log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-GENERATION_LOG_TAIL:]
        print("\n".join(tail), flush=True)
        raise subprocess.CalledProcessError(finished.returncode, finished.args)
    print(f"generation done in {time.monotonic() - started:.1f} s")


def demo_apps() -> dict[str, AppRegistration]:
    """The registered apps that have a demo, by name."""
    return {name: app for name, app in registered_apps().items() if app.demo and app.serving_manager_class}


def demo_app(config: OryxConfig) -> str:
    """The app whose registered serving manager the configuration names (Oryx 2's Java name or our Python path)
    and which has a demo; ConfigError naming the key and the known managers otherwise."""
    manager = (config.get_optional_string(MODEL_MANAGER_KEY) or "").strip()
    python_path = JAVA_CLASSES.get(manager, manager)
    apps = demo_apps()
    for name, app in apps.items():
        if app.serving_manager_class == python_path:
            return name
    known = ", ".join(f"{name} ({app.serving_manager_class})" for name, app in apps.items())
    raise ConfigError(MODEL_MANAGER_KEY, f"oryx demo knows the apps {known}, not {manager or 'an empty value'!r}")


def demo_runner(app: str, args: argparse.Namespace, config: OryxConfig, conf: Path) -> DemoRunner:
    """The chosen app's registered demo, prepared; its data files are checked first, so a missing one fails fast."""
    prepare: PrepareDemo = import_attribute(demo_apps()[app].demo or "")
    return prepare(config, args.data_file, functools.partial(run_generation, conf))


def demo(args: argparse.Namespace) -> int:
    config = config_from(args)
    conf = state_dir() / "stack" / "effective.conf"
    if not conf.is_file():
        raise ConfigError("oryx demo", "the stack is not up: run `oryx up --conf ...` first")
    run = demo_runner(demo_app(config), args, config, conf)
    base = serving_url(config)
    wait_for(lambda: http_status(base + "/ready") in (200, 503), 120, f"the serving layer at {base}")
    run(base)
    return 0


def register(sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser(
        "demo",
        help="feed the demo data set through the running stack and print real query results",
        description="Requires `oryx up`. Sends real data through the serving layer, runs a generation and queries.",
    )
    common(parser)
    parser.add_argument(
        "--data-file",
        help="override the demo data file of the demos that read one (the ALS demo's MovieLens ratings.csv, the "
        "word-count demo's movies.csv); the others refuse it",
    )
    parser.set_defaults(handler=demo)
