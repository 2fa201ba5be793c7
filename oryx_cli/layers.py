"""``oryx batch|speed|serving|setup``: run one layer in the foreground, as its own Python module."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from oryx_cli.options import config_from, layer_argv
from oryx_core.config import state_dir

REPO = Path(__file__).resolve().parents[1]
LAYER_MODULES = {"batch": "oryx_assets", "speed": "oryx_streaming", "serving": "oryx_serving"}
LAYER_HELP = {
    "batch": "run one batch generation now through Dagster (the same assets the UI materializes)",
    "speed": "run the speed layer's Structured Streaming query until interrupted",
    "serving": "run the serving layer's REST API under gunicorn until interrupted",
}


def layer_env() -> dict[str, str]:
    """Environment every layer process shares: the state folder and Dagster's home inside it."""
    home = state_dir()
    dagster_home = home / "dagster"
    dagster_home.mkdir(parents=True, exist_ok=True)
    (dagster_home / "dagster.yaml").touch(exist_ok=True)
    return {
        **os.environ,
        "ORYX_STATE_DIR": str(home),
        "DAGSTER_HOME": str(dagster_home),
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
    }


def layer_command(layer: str, argv: list[str]) -> list[str]:
    return [sys.executable, "-m", LAYER_MODULES[layer], *argv]


def run_layer(layer: str, args: argparse.Namespace) -> int:
    config_from(args)  # fail here, with the key named, rather than inside the layer
    extra = ["--generation", str(args.generation)] if getattr(args, "generation", None) is not None else []
    return subprocess.call(layer_command(layer, [*layer_argv(args), *extra]), env=layer_env())


def run_publish(args: argparse.Namespace) -> int:
    """``oryx publish --generation MS``: ``rollback_job`` through Dagster, recorded in the UI like any run."""
    config_from(args)
    argv = [*layer_argv(args), "--generation", str(args.generation), "--republish"]
    return subprocess.call(layer_command("batch", argv), env=layer_env())


def run_setup(args: argparse.Namespace) -> int:
    """Resolves the broker and Spark connector jars from Maven Central (cached after the first run)."""
    env = {**os.environ, "ORYX_STATE_DIR": str(state_dir())}
    for script in ("infra/kafka/broker.sh", "infra/spark/connector.sh"):
        code = subprocess.call(["bash", str(REPO / script), "install"], env=env)
        if code != 0:
            return code
    return 0


def register(sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]) -> None:
    for layer, help_text in LAYER_HELP.items():
        parser = sub.add_parser(layer, help=help_text, description=help_text)
        common(parser)
        if layer == "batch":
            parser.add_argument(
                "--generation", type=int, metavar="MS", help="re-run this earlier generation (its epoch-ms key)"
            )
        parser.set_defaults(handler=lambda args, layer=layer: run_layer(layer, args))
    publish_help = "roll back: publish the retained model of an earlier generation again (speed and serving switch)"
    publish = sub.add_parser("publish", help=publish_help, description=publish_help)
    common(publish)
    publish.add_argument(
        "--generation", type=int, metavar="MS", required=True, help="the generation to roll back to (its epoch-ms key)"
    )
    publish.set_defaults(handler=run_publish)
    setup = sub.add_parser(
        "setup",
        help="resolve the Kafka broker and Spark Kafka connector jars (Java 17 and Maven required)",
        description="Resolve the Kafka broker and Spark's Kafka connector from Maven Central into the state folder.",
    )
    common(setup)
    setup.set_defaults(handler=run_setup)
