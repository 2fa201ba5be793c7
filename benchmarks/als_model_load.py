"""ALS model load: UP messages per second into the serving and the speed model, against bare JSON parsing.

    .venv/bin/python benchmarks/als_model_load.py [--items 200000] [--users 20000] [--features 50]
        [--known 10] [--sample-rate 1.0] [--rounds 3]

One MODEL listing every ID, then one ``UP`` per vector as the batch layer writes them (``format_y_update`` for
items, ``format_x_update`` with ``--known`` known items for users), on an in-memory update topic. In
interleaved rounds (medians printed), the time until the model holds every vector:

* ``bare json.loads + np.asarray``: the baseline, each message decoded and its vector made float32, nothing
  checked or stored: the floor any parser pays.
* ``serving|speed, message by message``: the one real follower (``oryx_core.topics.follower.UpdateFollower``,
  run by serving and the speed layer alike) with a manager offering only ``consume_key_message`` (the path
  before the batch hook, with today's parser).
* ``serving|speed, batch hook``: the same follower with ``ALSServingModelManager`` / ``ALSSpeedModelManager``
  itself, which applies each poll (up to 500 messages) with ``consume_key_messages``: one parse of the batch
  and one ``set_many`` per matrix.

Each mode is timed in wall-clock and in this process's CPU seconds; the rates and ratios use CPU seconds,
which other processes on a shared machine disturb far less (the load runs on one thread either way). Also
printed: the bytes the item store holds per vector (its buffers over its rows), which must not grow.
Compare the ratios, measured in the same run, rather than absolute figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from oryx_core.apps.als.messages import format_x_update, format_y_update
from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml
from oryx_core.config import load_config
from oryx_core.ml.pmml import write_pmml
from oryx_core.topics.follower import UpdateFollower
from oryx_core.topics.messages import KeyMessage
from oryx_serving.apps.als.manager import ALSServingModelManager
from oryx_streaming.apps.als import ALSSpeedModelManager

# The unit tests' in-memory update topic (tests/support/), not a broker: the benchmark measures the parsing.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from support.memory_topics import InMemoryBroker, InMemoryProducer, InMemoryUpdateConsumer  # noqa: E402

SEED = 42
TOPIC = "OryxUpdate"


class OneAtATime:
    """A manager behind only the one-message protocols (``ServingModelManager`` / ``SpeedModelManager``), so
    the follower feeds it one message at a time."""

    def __init__(self, manager: Any) -> None:
        self.manager = manager

    def consume_key_message(self, key: str | None, message: str) -> None:
        self.manager.consume_key_message(key, message)

    def get_model(self) -> Any:
        return self.manager.get_model()

    def build_updates(self, new_data: Any) -> Iterable[str]:
        return self.manager.build_updates(new_data)

    def close(self) -> None:
        self.manager.close()


def topic_messages(args: argparse.Namespace) -> list[KeyMessage]:
    rng = np.random.default_rng(SEED)
    y = np.round(rng.standard_normal((args.items, args.features)) * 0.1, 4)
    x = np.round(rng.standard_normal((args.users, args.features)) * 0.1, 4)
    items = [f"i{row}" for row in range(args.items)]
    users = [f"u{row}" for row in range(args.users)]
    description = ALSModelDescription(args.features, True, x_ids=tuple(users), y_ids=tuple(items))
    messages = [KeyMessage("MODEL", write_pmml(build_als_pmml(description)))]
    messages += [KeyMessage("UP", format_y_update(item, row)) for item, row in zip(items, y, strict=True)]
    known = rng.integers(0, args.items, size=(args.users, args.known)).tolist()
    for user, row, picks in zip(users, x, known, strict=True):
        messages.append(KeyMessage("UP", format_x_update(user, row, [f"i{pick}" for pick in picks])))
    return messages


def bare_parse(messages: list[KeyMessage], args: argparse.Namespace) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    for message in messages[1:]:
        np.asarray(json.loads(message.message)[2], dtype=np.float32)
    return time.perf_counter() - start, time.process_time() - cpu


def in_memory_topic(messages: list[KeyMessage]) -> InMemoryBroker:
    broker = InMemoryBroker()
    producer = InMemoryProducer(broker, TOPIC)
    for message in messages:
        producer.send(message.key or "", message.message)
    producer.flush()
    return broker


def serving_load(
    messages: list[KeyMessage], args: argparse.Namespace, wrap: Callable[[Any], Any]
) -> tuple[float, float]:
    """Wall and CPU seconds from the serving follower's start until the model holds every vector (checked)."""
    broker = in_memory_topic(messages)
    manager = ALSServingModelManager(load_config(None, [f"oryx.als.sample-rate={args.sample_rate}"]))
    follower = UpdateFollower(wrap(manager), InMemoryUpdateConsumer(broker, TOPIC), thread_name="bench-serving")
    start, cpu = time.perf_counter(), time.process_time()
    follower.start()
    while follower.consumed < len(messages):
        time.sleep(0.005)
    seconds = time.perf_counter() - start, time.process_time() - cpu
    follower.stop()
    model = manager.get_model()
    assert model is not None and follower.failed == 0 and model.get_fraction_loaded() == 1.0
    assert len(model.y) == args.items and len(model.x) == args.users
    check_first_item(messages, model.item_vector("i0"))
    return seconds


def speed_load(messages: list[KeyMessage], args: argparse.Namespace, wrap: Callable[[Any], Any]) -> tuple[float, float]:
    """Wall and CPU seconds from the speed follower's start until the model holds every vector (checked)."""
    broker = in_memory_topic(messages)
    manager = ALSSpeedModelManager(load_config(None, []))
    follower = UpdateFollower(
        wrap(manager), InMemoryUpdateConsumer(broker, TOPIC), thread_name="bench-speed", poll_timeout=0.05
    )
    start, cpu = time.perf_counter(), time.process_time()
    follower.start()
    while follower.consumed < len(messages):
        time.sleep(0.005)
    seconds = time.perf_counter() - start, time.process_time() - cpu
    follower.stop()
    model = manager.model
    assert model is not None and follower.failed == 0 and model.fraction_loaded() == 1.0
    assert model.y.size == args.items and model.x.size == args.users
    check_first_item(messages, model.y.get("i0"))
    return seconds


def check_first_item(messages: list[KeyMessage], loaded: np.ndarray | None) -> None:
    expected = json.loads(messages[1].message)[2]
    assert loaded is not None and np.array_equal(loaded, np.asarray(expected, dtype=np.float32))


def store_bytes_per_vector(args: argparse.Namespace, messages: list[KeyMessage], batched: bool) -> float:
    """Bytes of the item store's buffers (matrix, norms, liveness, codes) per item vector after the load."""
    manager = ALSServingModelManager(load_config(None, [f"oryx.als.sample-rate={args.sample_rate}"]))
    if batched:
        manager.consume_key_messages(messages)
    else:
        for message in messages:
            manager.consume_key_message(message.key, message.message)
    model = manager.get_model()
    assert model is not None
    buffers = model.y._buffers  # the write side's own arrays: what a vector costs, slack included
    arrays = [buffers.matrix, buffers.norms, buffers.died] + ([buffers.codes] if buffers.codes is not None else [])
    return sum(array.nbytes for array in arrays) / len(model.y)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--known", type=int, default=10, help="known items in each user's UP")
    parser.add_argument("--sample-rate", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"items={args.items} users={args.users} features={args.features} known={args.known} "
          f"sample-rate={args.sample_rate} cpus={os.cpu_count()} load average before={load}", flush=True)  # fmt: skip
    messages = topic_messages(args)
    vectors = args.items + args.users
    modes: dict[str, Callable[[], tuple[float, float]]] = {
        "bare json.loads + np.asarray": lambda: bare_parse(messages, args),
        "serving, message by message": lambda: serving_load(messages, args, OneAtATime),
        "serving, batch hook": lambda: serving_load(messages, args, lambda manager: manager),
        "speed, message by message": lambda: speed_load(messages, args, OneAtATime),
        "speed, batch hook": lambda: speed_load(messages, args, lambda manager: manager),
    }
    wall: dict[str, list[float]] = {name: [] for name in modes}
    cpu: dict[str, list[float]] = {name: [] for name in modes}
    for _ in range(args.rounds):
        for name, run in modes.items():
            seconds = run()
            wall[name].append(seconds[0])
            cpu[name].append(seconds[1])
    floor = statistics.median(cpu["bare json.loads + np.asarray"])
    print(f"\n{'UP messages -> model':<34}{'wall s':>8}{'CPU s':>8}{'vectors/CPU s':>15}{'us/vector':>11}"
          f"{'x floor':>9}{'x one-by-one':>14}")  # fmt: skip
    for name in modes:
        median = statistics.median(cpu[name])
        layer = name.split(",")[0]
        one_by_one = cpu.get(f"{layer}, message by message")
        versus_one = f"{statistics.median(one_by_one) / median:>14.2f}" if one_by_one else f"{'-':>14}"
        print(f"{name:<34}{statistics.median(wall[name]):>8.2f}{median:>8.2f}{vectors / median:>15.0f}"
              f"{median / vectors * 1e6:>11.1f}{floor / median:>9.2f}{versus_one}")  # fmt: skip
    small = argparse.Namespace(**{**vars(args), "items": min(args.items, 50_000), "users": min(args.users, 5_000)})
    few = topic_messages(small)
    one_bytes, batch_bytes = store_bytes_per_vector(small, few, False), store_bytes_per_vector(small, few, True)
    print(f"\nitem store bytes/vector ({small.items} items): message by message {one_bytes:.0f}, "
          f"batch {batch_bytes:.0f} (raw float32 = {4 * args.features})")  # fmt: skip


if __name__ == "__main__":
    main()
