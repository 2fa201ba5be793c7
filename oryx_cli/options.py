"""The options every ``oryx`` subcommand shares (``--conf FILE`` and ``-D key=value``, as in Oryx 2) and the
configuration they give: loaded here, checked here, and handed on to layer processes unchanged."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from oryx_core.config import ConfigError, OryxConfig, load_config, state_dir

DEFAULT_CONF = "oryx.conf"


def add_common_options(parser: argparse.ArgumentParser) -> None:
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
