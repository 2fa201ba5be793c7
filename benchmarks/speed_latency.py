"""Speed-layer latency and throughput on the real broker, against a bare consume->produce loop in the same run.

    ORYX_STATE_DIR=... .venv/bin/python benchmarks/speed_latency.py --brokers 127.0.0.1:9092
        [--rate 20] [--latency-seconds 40] [--lines 100000] [--master local[2]] [--json FILE]

Needs a running broker (``infra/kafka/broker.sh start``) and Spark's Kafka connector in the state folder
(``infra/spark/connector.sh install``). Each run creates fresh topics, so it never reads anyone's data.

What is measured, for the word-count example app (``python -m oryx_streaming``, the real process):

* **latency**: input lines ``L<i>a L<i>b`` (two fresh words each, so every line has its own ``UP`` messages)
  are sent at ``--rate`` lines/s for ``--latency-seconds``; a line's latency runs from just before its send to
  the moment a ``read_committed`` update-topic reader in this process receives the ``UP`` of both its words.
  p50/p95/max, at the default trigger (``oryx.speed.streaming.generation-interval-sec`` from reference.conf)
  and at a 1 s trigger;
* **overload**: the same latency run at ``--overload`` times the rate (10x by default), for the same time; the
  drift (median latency of the last third of the lines over that of the first third) says whether the layer
  keeps up (about 1) or falls behind without bound (grows with the run's length), and the last line's latency
  how long it took to catch up once sending stopped;
* **throughput**: ``--lines`` lines sent as fast as the producer goes; lines / seconds from the first send to
  the arrival of the last of their ``UP`` messages (the speed layer at the 1 s trigger).

The baseline is a bare confluent-kafka loop in its own process doing the same per-line work: consume up to
10,000 input records, count distinct co-occurring words, merge into the running counts and produce the
``word,count`` updates (same producer settings as ``TopicProducer``), flush, repeat. It has no trigger, no
Spark and no transactions: the ratios say what Structured Streaming, micro-batching and exactly-once cost. On
a small shared machine the absolute figures move with the load, so compare the ratios from the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from oryx_core.config import load_config, state_dir  # noqa: E402
from oryx_core.topics.admin import TopicAdmin  # noqa: E402
from oryx_core.topics.consumer import UpdateTopicConsumer  # noqa: E402
from oryx_core.topics.messages import UP  # noqa: E402
from oryx_core.topics.producer import TopicProducer  # noqa: E402

MANAGER = "com.cloudera.oryx.example.speed.ExampleSpeedModelManager"


# ---- the baseline worker (a child process: speed_latency.py --baseline-worker BROKERS INPUT UPDATE) -------------


def baseline_worker(brokers: str, input_topic: str, update_topic: str) -> None:
    from confluent_kafka import Consumer, Producer

    from oryx_core.apps.example.words import count_distinct_other_words, format_update, merge_counts
    from oryx_core.topics.producer import producer_config

    consumer = Consumer(
        {
            "bootstrap.servers": brokers,
            "group.id": f"baseline-{uuid.uuid4()}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([input_topic])
    producer = Producer(producer_config(brokers, max_message_bytes=16 << 20, linger_ms=5, client_id="baseline"))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    counts: dict[str, int] = {}
    announced = False
    while not stop.is_set():
        records = consumer.consume(10_000, 0.1)
        if not announced and consumer.assignment():
            print("ready", flush=True)
            announced = True
        lines = [r.value().decode("utf-8") for r in records if r.error() is None and r.value() is not None]
        if not lines:
            continue
        new_counts = count_distinct_other_words(lines)
        counts = merge_counts(counts, new_counts)
        for word in sorted(new_counts):
            while True:
                try:
                    producer.produce(update_topic, key=b"UP", value=format_update(word, counts[word]).encode())
                    break
                except BufferError:
                    producer.poll(0.05)
        producer.flush(30)
    consumer.close()


# ---- the measuring side --------------------------------------------------------------------------------------


class UpWatcher(threading.Thread):
    """Reads the update topic (read_committed) and notes when each word's first ``UP`` arrived."""

    def __init__(self, brokers: str, topic: str) -> None:
        super().__init__(name="up-watcher", daemon=True)
        self._consumer = UpdateTopicConsumer(brokers, topic, max_message_bytes=16 << 20, group_prefix="bench")
        self.arrivals: dict[str, float] = {}
        self._halt = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        while not self._halt.is_set():
            batch = self._consumer.poll(0.2, max_messages=10_000)
            now = time.time()
            with self._lock:
                for message in batch:
                    if message.key == UP:
                        self.arrivals.setdefault(message.message.rpartition(",")[0], now)
        self._consumer.close()

    def wait_for(self, words: list[str], timeout: float) -> float | None:
        """When the last of ``words`` arrived, or None if some did not within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if all(word in self.arrivals for word in words):
                    return max(self.arrivals[word] for word in words)
            time.sleep(0.1)
        return None

    def stop(self) -> None:
        self._halt.set()
        self.join(10)


def fresh_topics(brokers: str, label: str) -> tuple[str, str]:
    suffix = f"{label}-{uuid.uuid4().hex[:8]}"
    input_topic, update_topic = f"BenchInput-{suffix}", f"BenchUpdate-{suffix}"
    TopicAdmin(brokers).create_oryx_topics(input_topic, update_topic)
    return input_topic, update_topic


def start_speed(
    brokers: str, topics: tuple[str, str], trigger: float, master: str, work: Path
) -> tuple[subprocess.Popen[bytes], Path]:
    """``python -m oryx_streaming`` on the topics; returns once it reports running (its first batch done)."""
    state = work / f"state-{uuid.uuid4().hex[:6]}"
    (state / "spark").mkdir(parents=True)
    (state / "spark" / "jars").symlink_to(state_dir() / "spark" / "jars")
    overrides = [
        f"oryx.id=bench-{uuid.uuid4().hex[:8]}",
        f"oryx.input-topic.broker={brokers}",
        f"oryx.input-topic.message.topic={topics[0]}",
        f"oryx.update-topic.broker={brokers}",
        f"oryx.update-topic.message.topic={topics[1]}",
        f"oryx.speed.model-manager-class={MANAGER}",
        f"oryx.speed.streaming.generation-interval-sec={trigger}",
        f"oryx.speed.streaming.master={master}",
        'oryx.speed.streaming.config."spark.ui.enabled"=false',
        'oryx.speed.streaming.config."spark.sql.shuffle.partitions"=2',
    ]
    command = [sys.executable, "-m", "oryx_streaming"]
    for override in overrides:
        command += ["-D", override]
    env = {**os.environ, "ORYX_STATE_DIR": str(state)}
    env.pop("PYSPARK_SUBMIT_ARGS", None)
    log = state / "speed.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    health = state / "speed" / "health.json"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"speed layer exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if json.loads(health.read_text()).get("status") == "running":
                return process, state
        except (OSError, ValueError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"speed layer not running after 300 s:\n{log.read_text()[-3000:]}")


def start_baseline(brokers: str, topics: tuple[str, str]) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, __file__, "--baseline-worker", brokers, *topics], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    if process.stdout.readline().strip() != "ready":
        raise RuntimeError("baseline worker did not start")
    return process


def stop(process: subprocess.Popen[Any]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(90)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def measure_latency(
    brokers: str, input_topic: str, watcher: UpWatcher, label: str, rate: float, seconds: float
) -> list[float]:
    """Seconds from each line's send to the arrival of both its words' ``UP``; lines paced at ``rate``/s."""
    sent: dict[int, float] = {}
    with TopicProducer(brokers, input_topic, linger_ms=0) as producer:
        started = time.monotonic()
        for i in range(int(rate * seconds)):
            time.sleep(max(0.0, started + i / rate - time.monotonic()))
            sent[i] = time.time()
            producer.send(None, f"{label}{i}a {label}{i}b")
        producer.flush()
    words = [f"{label}{i}{side}" for i in sent for side in "ab"]
    if watcher.wait_for(words, timeout=180) is None:
        missing = [w for w in words if w not in watcher.arrivals]
        raise RuntimeError(f"{len(missing)} words never got an UP, e.g. {missing[:5]}")
    return [max(watcher.arrivals[f"{label}{i}a"], watcher.arrivals[f"{label}{i}b"]) - t for i, t in sent.items()]


def measure_throughput(brokers: str, input_topic: str, watcher: UpWatcher, label: str, lines: int) -> float:
    """Lines per second from the first send until the last of their ``UP`` messages arrived."""
    with TopicProducer(brokers, input_topic, linger_ms=20) as producer:
        started = time.time()
        for i in range(lines):
            producer.send(None, f"{label}{i}a {label}{i}b")
        producer.flush(120)
    sent_at = time.time()
    last = watcher.wait_for([f"{label}{i}{side}" for i in range(lines) for side in "ab"], timeout=600)
    if last is None:
        raise RuntimeError(f"not all {lines} lines got their UPs within 600 s")
    print(f"    ({label}: sending took {sent_at - started:.2f} s)", flush=True)
    return lines / (last - started)


def percentiles(values: list[float]) -> dict[str, float]:
    """p50/p95/max of latencies given in send order, with the drift (last third's median / first third's) and
    the last line's latency."""
    ordered = sorted(values)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    third = max(1, len(values) // 3)
    drift = statistics.median(values[-third:]) / statistics.median(values[:third])
    return {"p50": cuts[49], "p95": cuts[94], "max": ordered[-1], "n": len(ordered), "drift": drift, "last": values[-1]}


def measure_overload(brokers: str, input_topic: str, watcher: UpWatcher, args: argparse.Namespace) -> dict[str, float]:
    rate = args.rate * args.overload
    return percentiles(measure_latency(brokers, input_topic, watcher, "O", rate, args.seconds))


def run_speed(args: argparse.Namespace, trigger: float, label: str, work: Path, throughput: bool) -> dict[str, Any]:
    topics = fresh_topics(args.brokers, label)
    watcher = UpWatcher(args.brokers, topics[1])
    watcher.start()
    print(f"  speed layer, trigger {trigger:g} s: starting", flush=True)
    process, state = start_speed(args.brokers, topics, trigger, args.master, work)
    try:
        result: dict[str, Any] = {
            "latency": percentiles(measure_latency(args.brokers, topics[0], watcher, "L", args.rate, args.seconds))
        }
        print(f"  speed layer, trigger {trigger:g} s: latency {fmt(result['latency'])}", flush=True)
        if throughput:
            result["overload"] = measure_overload(args.brokers, topics[0], watcher, args)
            print(f"  speed layer, trigger {trigger:g} s, {args.overload:g}x: {fmt(result['overload'])}", flush=True)
            result["throughput"] = measure_throughput(args.brokers, topics[0], watcher, "T", args.lines)
            print(f"  speed layer, trigger {trigger:g} s: {result['throughput']:.0f} lines/s", flush=True)
        result["health"] = json.loads((state / "speed" / "health.json").read_text())
    finally:
        stop(process)
        watcher.stop()
    return result


def run_baseline(args: argparse.Namespace) -> dict[str, Any]:
    topics = fresh_topics(args.brokers, "base")
    watcher = UpWatcher(args.brokers, topics[1])
    watcher.start()
    process = start_baseline(args.brokers, topics)
    try:
        result: dict[str, Any] = {
            "latency": percentiles(measure_latency(args.brokers, topics[0], watcher, "L", args.rate, args.seconds))
        }
        print(f"  baseline: latency {fmt(result['latency'])}", flush=True)
        result["overload"] = measure_overload(args.brokers, topics[0], watcher, args)
        print(f"  baseline, {args.overload:g}x: {fmt(result['overload'])}", flush=True)
        result["throughput"] = measure_throughput(args.brokers, topics[0], watcher, "T", args.lines)
        print(f"  baseline: {result['throughput']:.0f} lines/s", flush=True)
    finally:
        stop(process)
        watcher.stop()
    return result


def fmt(latency: dict[str, float]) -> str:
    return (
        f"p50 {latency['p50']:.3f} s, p95 {latency['p95']:.3f} s, max {latency['max']:.3f} s, "
        f"drift {latency['drift']:.2f}, last {latency['last']:.3f} s ({latency['n']} lines)"
    )


def report(default_trigger: float, results: dict[str, Any], args: argparse.Namespace) -> None:
    base = results["baseline"]
    pace = f"{args.rate:g} lines/s for {args.seconds:g} s"
    print(f"\nLatency, input line sent -> its UP received (read_committed), {pace}")
    print(f"  {'':28} {'p50 s':>9} {'p95 s':>9} {'max s':>9} {'p50 ratio':>10} {'p95 ratio':>10}")
    rows = [
        (f"speed, trigger {default_trigger:g} s (default)", results["speed_default"]["latency"]),
        ("speed, trigger 1 s", results["speed_1s"]["latency"]),
        ("baseline loop", base["latency"]),
    ]
    for name, lat in rows:
        p50_ratio = lat["p50"] / base["latency"]["p50"]
        p95_ratio = lat["p95"] / base["latency"]["p95"]
        print(f"  {name:28} {lat['p50']:9.3f} {lat['p95']:9.3f} {lat['max']:9.3f} {p50_ratio:9.0f}x {p95_ratio:9.0f}x")
    over = f"{args.rate * args.overload:g} lines/s ({args.overload:g}x) for {args.seconds:g} s"
    print(f"\nOverload, {over}: drift = median latency of the last third / of the first third (1 = keeping up)")
    print(f"  {'':28} {'p50 s':>9} {'p95 s':>9} {'max s':>9} {'drift':>7} {'last s':>8}")
    for name, lat in (("speed, trigger 1 s", results["speed_1s"]["overload"]), ("baseline loop", base["overload"])):
        print(
            f"  {name:28} {lat['p50']:9.3f} {lat['p95']:9.3f} {lat['max']:9.3f} {lat['drift']:7.2f} {lat['last']:8.3f}"
        )
    speed_tp, base_tp = results["speed_1s"]["throughput"], base["throughput"]
    print(f"\nThroughput, {args.lines} lines sent at once, until all their UPs arrived")
    print(f"  speed, trigger 1 s: {speed_tp:10.0f} lines/s")
    print(f"  baseline loop:      {base_tp:10.0f} lines/s")
    print(f"  ratio speed/baseline: {speed_tp / base_tp:.2f}")
    print(f"\nload average during the run: {os.getloadavg()}, cores: {os.cpu_count()}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--baseline-worker":
        baseline_worker(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brokers", default=f"127.0.0.1:{os.environ.get('ORYX_KAFKA_PORT', '9092')}")
    parser.add_argument("--rate", type=float, default=20.0, help="lines/s in the latency runs")
    parser.add_argument("--seconds", "--latency-seconds", type=float, default=40.0, help="length of a latency run")
    parser.add_argument("--overload", type=float, default=10.0, help="rate multiple of the overload run")
    parser.add_argument("--lines", type=int, default=100_000, help="lines in the throughput run")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    TopicAdmin(args.brokers).wait_until_ready(30)
    default_trigger = load_config(None).get_float("oryx.speed.streaming.generation-interval-sec")
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="oryx-speed-bench-") as tmp:
        work = Path(tmp)
        print("baseline loop:", flush=True)
        results["baseline"] = run_baseline(args)
        results["speed_default"] = run_speed(args, default_trigger, "dflt", work, throughput=False)
        results["speed_1s"] = run_speed(args, 1.0, "one", work, throughput=True)
    report(default_trigger, results, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
