"""Bounded state: memory of the speed layer's and serving's ALS models while interactions stream in over
ever-new user IDs, with ``oryx.als.bounds`` off (Oryx 2: every ID ever seen keeps a vector) and on.

    .venv/bin/python benchmarks/als_bounded_memory.py [--interactions 10000000] [--batch 20000] [--features 10]
        [--items 2000] [--lines-per-user 4] [--expire-after-days 1] [--minutes-per-batch 10] [--checkpoints 10]

Each mode runs in its own process, both at once, through the classes that hold all of the two layers' model
state: the speed layer's ``ALSSpeedModelManager`` (its micro-batch fold-in, admission and expiry, exactly as the
streaming query calls it) and serving's ``ALSServingModelManager``, which applies every message the speed layer
emits (``UP`` and ``EXPIRE``) in order, as its update follower would. Kafka and Spark hold no model state and
are left out, so the run measures the state and not the transport.

Input: a model of ``--items`` items and a few users is loaded first; then batches of ``--batch`` lines, each
user appearing for ``--lines-per-user`` consecutive lines and never again, each batch ``--minutes-per-batch``
minutes later in the lines' own clock (the speed layer's expiry is driven by the same clock). With
``--expire-after-days`` 1, a user leaves a day of input time after their last line. Printed at each checkpoint,
per mode: users in the speed and serving models, IDs the speed layer tracks, the vector arrays' bytes (the
``oryx_serving_als_vector_bytes`` gauge) and the process's resident memory (RSS).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np

from oryx_core.apps.als.expiry import EXPIRE
from oryx_core.apps.als.messages import format_x_update, format_y_update
from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml
from oryx_core.config import load_config
from oryx_core.ml.pmml import write_pmml
from oryx_core.topics.messages import MODEL, UP, KeyMessage
from oryx_serving.apps.als.manager import ALSServingModelManager
from oryx_streaming.apps.als import ALSSpeedModelManager

START_MS = 1_700_000_000_000
MINUTE_MS = 60_000


class Lines:
    """The one thing the speed layer's ALS manager asks of a micro-batch: ``select("value").collect()``."""

    def __init__(self, lines: list[str]) -> None:
        self.rows = [{"value": line} for line in lines]

    def select(self, *_: str) -> Lines:
        return self

    def collect(self) -> list[dict[str, str]]:
        return self.rows


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


def initial_model(features: int, items: int) -> list[KeyMessage]:
    rng = np.random.default_rng(0)
    users = tuple(f"seed{n}" for n in range(50))
    item_ids = tuple(f"i{n}" for n in range(items))
    description = ALSModelDescription(features=features, implicit=True, x_ids=users, y_ids=item_ids)
    messages = [KeyMessage(MODEL, write_pmml(build_als_pmml(description, 0)))]
    messages += [KeyMessage(UP, format_y_update(i, rng.normal(0, 0.3, features))) for i in item_ids]
    messages += [KeyMessage(UP, format_x_update(u, rng.normal(0, 0.3, features))) for u in users]
    return messages


def batches(args: argparse.Namespace) -> Iterator[tuple[int, list[str]]]:
    """(the batch's time, its lines): users ``u<n>`` for ``lines-per-user`` lines each, items Zipf-like."""
    rng = np.random.default_rng(1)
    line = 0
    for number in range(args.interactions // args.batch):
        now = START_MS + number * args.minutes_per_batch * MINUTE_MS
        items = np.minimum(rng.zipf(1.3, args.batch), args.items) - 1
        lines = [f"u{(line + k) // args.lines_per_user},i{item},1,{now}" for k, item in enumerate(items)]
        line += args.batch
        yield now, lines


def run_mode(args: argparse.Namespace, bounded: bool) -> None:
    overrides = [f"oryx.als.bounds.expire-after-days={args.expire_after_days}"] if bounded else []
    config = load_config(None, overrides)
    speed, serving = ALSSpeedModelManager(config), ALSServingModelManager(config)
    for manager in (speed, serving):
        assert manager.consume_key_messages(initial_model(args.features, args.items)) == []
    every = max(1, (args.interactions // args.batch) // args.checkpoints)
    for number, (now, lines) in enumerate(batches(args), start=1):
        messages = [KeyMessage(UP, update) for update in speed.build_updates(Lines(lines))]
        messages += [KeyMessage(EXPIRE, expired) for expired in speed.expire(now)]
        assert serving.consume_key_messages(messages) == []
        if number % every == 0:
            speed_model, serving_model = speed.get_model(), serving.get_model()
            assert speed_model is not None and serving_model is not None
            print(
                json.dumps(
                    {
                        "interactions": number * args.batch,
                        "speed_users": len(speed_model.x),
                        "serving_users": len(serving_model.x),
                        "tracked_ids": speed.tracked_ids(),
                        "vector_bytes": serving_model.x.array_bytes + serving_model.y.array_bytes,
                        "rss": rss_bytes(),
                    }
                ),
                flush=True,
            )


def report(rows: dict[str, list[dict[str, Any]]]) -> None:
    print(f"\n{'interactions':>12} | {'off: users':>10} {'vector MB':>9} {'RSS MB':>7} | ", end="")
    print(f"{'on: users':>9} {'tracked':>8} {'vector MB':>9} {'RSS MB':>7} | RSS on/off")
    for off, on in zip(rows["off"], rows["on"], strict=False):
        mb = 1 / 2**20
        print(
            f"{off['interactions']:>12,} | {off['serving_users']:>10,} {off['vector_bytes'] * mb:>9.1f} "
            f"{off['rss'] * mb:>7.0f} | {on['serving_users']:>9,} {on['tracked_ids']:>8,} "
            f"{on['vector_bytes'] * mb:>9.1f} {on['rss'] * mb:>7.0f} | {on['rss'] / off['rss']:.2f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interactions", type=int, default=10_000_000)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--items", type=int, default=2_000)
    parser.add_argument("--lines-per-user", type=int, default=4)
    parser.add_argument("--expire-after-days", type=float, default=1.0)
    parser.add_argument("--minutes-per-batch", type=int, default=10)
    parser.add_argument("--checkpoints", type=int, default=10)
    parser.add_argument("--mode", choices=["off", "on"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode is not None:
        run_mode(args, args.mode == "on")
        return 0
    children = {
        mode: subprocess.Popen(
            [sys.executable, __file__, *sys.argv[1:], "--mode", mode], stdout=subprocess.PIPE, text=True
        )
        for mode in ("off", "on")
    }
    rows = {}
    for mode, child in children.items():
        out, _ = child.communicate()
        if child.returncode != 0:
            raise SystemExit(f"mode {mode} failed ({child.returncode})")
        rows[mode] = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    print(
        f"{args.interactions:,} interactions, {args.lines_per_user} per new user, {args.items} items, "
        f"{args.features} features; expiry {args.expire_after_days} day(s) of input time, "
        f"{args.minutes_per_batch} min per batch of {args.batch:,}"
    )
    report(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
