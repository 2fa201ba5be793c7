"""``oryx``'s entry point: one argument parser whose subcommands come from ``layers``, ``kafka``, ``stack`` and
``demo``; a ``ConfigError`` ends the command with exit code 2 and the key at fault."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from oryx_cli import demo, kafka, layers, stack
from oryx_cli.options import add_common_options
from oryx_core.config import ConfigError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oryx",
        description="Run and operate the Oryx lambda architecture (batch on Dagster + Spark, speed on "
        "Spark Structured Streaming, serving on Flask, transport on Kafka).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (layers, kafka, stack, demo):
        module.register(sub, add_common_options)
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
