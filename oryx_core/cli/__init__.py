"""The ``oryx`` command (Oryx 2's oryx-run.sh): one entry point for every layer, the Kafka tools and the stack.

Layers are started by module name (``python -m oryx_assets`` etc.), never imported, so ``oryx_core`` stays
below the layers. Every subcommand takes ``--conf FILE`` and ``-D key=value`` like Oryx 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from oryx_core.config import ConfigError, OryxConfig, load_config, state_dir

DEFAULT_CONF = "oryx.conf"


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--conf",
        metavar="FILE",
        help=f"HOCON config layered over the defaults (default: ./{DEFAULT_CONF} when it exists)",
    )
    parser.add_argument(
        "-D",
        dest="overrides",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="override one config key, e.g. -D oryx.id=demo (repeatable)",
    )


def conf_file(args: argparse.Namespace) -> str | None:
    if args.conf:
        if not Path(args.conf).is_file():
            raise ConfigError("--conf", f"no such file: {args.conf}")
        return str(Path(args.conf).resolve())
    return str(Path(DEFAULT_CONF).resolve()) if Path(DEFAULT_CONF).is_file() else None


def config_from(args: argparse.Namespace) -> OryxConfig:
    # The state folder is exported first so config files can say ${ORYX_STATE_DIR}/data.
    os.environ.setdefault("ORYX_STATE_DIR", str(state_dir()))
    return load_config(conf_file(args), args.overrides)


def layer_argv(args: argparse.Namespace) -> list[str]:
    """The ``--conf``/``-D`` arguments to hand on to a layer process."""
    argv: list[str] = []
    if (conf := conf_file(args)) is not None:
        argv += ["--conf", conf]
    for override in args.overrides:
        argv += ["-D", override]
    return argv


def build_parser() -> argparse.ArgumentParser:
    from oryx_core.cli import demo, kafka, layers, stack

    parser = argparse.ArgumentParser(
        prog="oryx",
        description="Run and operate the Oryx lambda architecture (batch on Dagster + Spark, speed on "
        "Spark Structured Streaming, serving on Flask, transport on Kafka).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (layers, kafka, stack, demo):
        module.register(sub, _common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except ConfigError as error:
        print(f"oryx: configuration error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
