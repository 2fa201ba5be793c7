"""``python -m oryx_assets [--conf FILE] [-D key=value ...] [--generation MS [--republish]]``: run one batch
generation now, or roll back to an earlier one.

This is what ``oryx batch`` starts. Scheduled generations run through the Dagster daemon instead
(``dagster-daemon run -w workspace.yaml``, started by ``oryx up``); both execute the same job.
``--generation`` re-runs an earlier generation (its start time in epoch milliseconds, the partition key
shown in the UI), e.g. one whose process was killed: its stored window is reused, never read twice.
``--republish`` runs ``rollback_job`` instead: that generation's retained model is published again
(``oryx publish --generation MS``; ``oryx_assets.lambda_.rollback``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from dagster import DagsterInstance

from oryx_assets.generation import dagster_home, rollback_lines, run_generation, run_rollback
from oryx_assets.resources import OryxConfigResource
from oryx_core.config import ConfigError, state_dir


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m oryx_assets", description="Run one batch-layer generation now, through Dagster."
    )
    parser.add_argument("--conf", metavar="FILE", help="HOCON config layered over the defaults (default $ORYX_CONF)")
    parser.add_argument(
        "-D",
        dest="overrides",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="override one config key, e.g. -D oryx.id=demo (repeatable)",
    )
    parser.add_argument(
        "--generation",
        metavar="MS",
        type=int,
        help="run this generation (epoch milliseconds) instead of a new one starting now",
    )
    parser.add_argument(
        "--republish",
        action="store_true",
        help="roll back: publish the retained model of --generation again instead of building a new one",
    )
    args = parser.parse_args(argv)
    if args.republish and args.generation is None:
        parser.error("--republish needs --generation MS (the generation whose model to publish again)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # Exported first so configuration files can refer to ${ORYX_STATE_DIR}, as with the oryx command.
    os.environ.setdefault("ORYX_STATE_DIR", str(state_dir()))
    conf = str(Path(args.conf).resolve()) if args.conf else None
    oryx = OryxConfigResource(conf_file=conf, overrides=list(args.overrides))
    try:
        oryx.load()
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    dagster_home()
    with DagsterInstance.get() as instance:
        if args.republish:
            summary = run_rollback(oryx, instance, args.generation)
            lines = rollback_lines(summary)
        else:
            summary = run_generation(oryx, instance, args.generation)
            lines = summary.lines()
    print("\n".join(lines))
    return 0 if summary.success else 1


if __name__ == "__main__":
    sys.exit(main())
