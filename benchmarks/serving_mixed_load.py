"""Serving under mixed traffic while the model changes: latency, errors and memory, against quiet queries.

    .venv/bin/python benchmarks/serving_mixed_load.py [--brokers 127.0.0.1:9092] [--seconds 120]
        [--clients 8] [--items 20000] [--users 2000] [--features 20] [--updates-per-second 500]

Needs a running broker (``infra/kafka/broker.sh start``); fresh topics each run. One real serving process
(``python -m oryx_serving`` under gunicorn, the ALS app of ``conf/als-example.conf``, its default workers and
threads) loads a random model from the update topic, then, in the same run:

* ``queries alone``: ``--clients`` threads send only ``GET /recommend/{user}`` for ``--seconds / 4``: the
  baseline;
* ``mixed``: the same threads for ``--seconds``, each request an ingest (``POST /pref/{user}/{item}``, 90 %,
  answered only once the broker acknowledged the line) or a query (10 %), while this process publishes
  ``--updates-per-second`` ``UP`` messages (new vectors for known items and users, as the speed layer would)
  to the update topic the server follows.

Printed: requests/s, p50 and p99 per kind, the share of answers that were not 2xx, and the serving worker's
resident memory at the start and the end of the mixed phase, sampled ten times between, with the growth of
each half of the phase (it should stay flat: the ingested lines go to Kafka, and updates replace vectors).
p99 ratios compare the mixed phase with the queries alone. Client and server share the machine's cores:
compare the ratios, not absolute figures across machines.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
ALS_SERVING = [
    "oryx.serving.model-manager-class=com.cloudera.oryx.app.serving.als.model.ALSServingModelManager",
    'oryx.serving.application-resources="com.cloudera.oryx.app.serving,com.cloudera.oryx.app.serving.als"',
]


def publish_model(brokers: str, topic: str, items: int, users: int, features: int) -> None:
    from oryx_core.apps.als.messages import format_x_update, format_y_update
    from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml
    from oryx_core.ml.pmml import write_pmml
    from oryx_core.topics.producer import TopicProducer

    rng = np.random.default_rng(7)
    item_ids = tuple(f"i{n}" for n in range(items))
    user_ids = tuple(f"u{n}" for n in range(users))
    pmml = write_pmml(build_als_pmml(ALSModelDescription(features, True, x_ids=user_ids, y_ids=item_ids)))
    with TopicProducer(brokers, topic, linger_ms=50) as producer:
        producer.send("MODEL", pmml)
        for item, row in zip(item_ids, rng.standard_normal((items, features), dtype=np.float32), strict=True):
            producer.send("UP", format_y_update(item, row))
        for user, row in zip(user_ids, rng.standard_normal((users, features), dtype=np.float32), strict=True):
            producer.send("UP", format_x_update(user, row, ()))
        producer.flush(300)


def start_server(brokers: str, input_topic: str, update_topic: str, state: Path) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    overrides = [
        f"oryx.input-topic.broker={brokers}",
        f"oryx.input-topic.message.topic={input_topic}",
        f"oryx.update-topic.broker={brokers}",
        f"oryx.update-topic.message.topic={update_topic}",
        f"oryx.serving.api.port={port}",
        *ALS_SERVING,
    ]
    command = [sys.executable, "-m", "oryx_serving", *[arg for o in overrides for arg in ("-D", o)]]
    log = (state / "serving.log").open("wb")
    env = {**os.environ, "ORYX_STATE_DIR": str(state)}
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    return process, port


def get_status(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return 0
    finally:
        connection.close()


def worker_rss_mb(server: subprocess.Popen[bytes]) -> float:
    """Resident memory of the server's children (the gunicorn workers), in MiB."""
    children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
    total = 0
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
    return total / 1024


def sample_rss(server: subprocess.Popen[bytes], every: float, stop: threading.Event, samples: list[float]) -> None:
    """The workers' RSS every ``every`` seconds until ``stop``: a series says whether memory levels off."""
    while not stop.wait(every):
        samples.append(worker_rss_mb(server))


def drive(port: int, seconds: float, clients: int, ingest_share: float, users: int, items: int) -> dict[str, list]:
    """``clients`` threads, each on its own keep-alive connection, for ``seconds``: latencies and statuses."""
    results: dict[str, list] = {"query": [], "ingest": [], "status": []}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local: dict[str, list] = {"query": [], "ingest": [], "status": []}
        while time.monotonic() < deadline:
            user = f"u{rng.randrange(users)}"
            ingest = rng.random() < ingest_share
            path = f"/pref/{user}/i{rng.randrange(items)}" if ingest else f"/recommend/{user}"
            started = time.perf_counter()
            try:
                connection.request("POST" if ingest else "GET", path, body=b"1" if ingest else None)
                response = connection.getresponse()
                response.read()
                status = response.status
            except OSError:
                status = 0
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            local["ingest" if ingest else "query"].append(time.perf_counter() - started)
            local["status"].append(status)
        connection.close()
        with lock:
            for key, values in local.items():
                results[key] += values

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def stream_updates(brokers: str, topic: str, rate: float, users: int, items: int, features: int,
                   stop: threading.Event) -> None:  # fmt: skip
    from oryx_core.apps.als.messages import format_x_update, format_y_update
    from oryx_core.topics.producer import TopicProducer

    rng = np.random.default_rng(11)
    with TopicProducer(brokers, topic, linger_ms=20) as producer:
        while not stop.is_set():
            tick = time.monotonic()
            for _ in range(max(1, int(rate / 10))):
                row = rng.standard_normal(features, dtype=np.float32)
                if rng.random() < 0.5:
                    producer.send("UP", format_y_update(f"i{rng.integers(items)}", row))
                else:
                    producer.send("UP", format_x_update(f"u{rng.integers(users)}", row, ()))
            stop.wait(max(0.0, 0.1 - (time.monotonic() - tick)))
        producer.flush(30)


def percentile(values: list[float], q: float) -> float:
    return float(np.quantile(values, q)) * 1000 if values else float("nan")


def report(name: str, results: dict[str, list], seconds: float) -> dict[str, float]:
    statuses = results["status"]
    bad = sum(1 for s in statuses if not 200 <= s < 300)
    share = bad / max(1, len(statuses))
    print(f"{name}: {len(statuses) / seconds:.0f} req/s, non-2xx {bad} of {len(statuses)} ({share:.2%})")
    figures = {}
    for kind in ("query", "ingest"):
        if results[kind]:
            p50, p99 = percentile(results[kind], 0.5), percentile(results[kind], 0.99)
            figures[kind] = p99
            print(f"  {kind:<7} n={len(results[kind]):>7}  p50 {p50:7.2f} ms  p99 {p99:7.2f} ms")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--brokers", default="127.0.0.1:9092")
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--updates-per-second", type=float, default=500.0)
    args = parser.parse_args()
    from oryx_core.topics.admin import TopicAdmin

    admin = TopicAdmin(args.brokers)
    admin.wait_until_ready(60)
    suffix = uuid.uuid4().hex[:8]
    input_topic, update_topic = f"MixedInput-{suffix}", f"MixedUpdate-{suffix}"
    admin.create_oryx_topics(input_topic, update_topic)
    publish_model(args.brokers, update_topic, args.items, args.users, args.features)
    with tempfile.TemporaryDirectory() as state:
        server, port = start_server(args.brokers, input_topic, update_topic, Path(state))
        try:
            deadline = time.monotonic() + 300
            while get_status(port, "/ready") != 200:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"serving not ready: {(Path(state) / 'serving.log').read_text()[-3000:]}")
                time.sleep(0.5)
            drive(port, 5, args.clients, 0.0, args.users, args.items)  # warm-up
            quiet_seconds = args.seconds / 4
            quiet = report("queries alone", drive(port, quiet_seconds, args.clients, 0.0, args.users, args.items),
                           quiet_seconds)  # fmt: skip
            stop = threading.Event()
            updates = threading.Thread(
                target=stream_updates,
                args=(args.brokers, update_topic, args.updates_per_second, args.users, args.items, args.features, stop),
            )
            rss_before = worker_rss_mb(server)
            samples: list[float] = [rss_before]
            sampler = threading.Thread(target=sample_rss, args=(server, args.seconds / 10, stop, samples))
            updates.start()
            sampler.start()
            mixed = drive(port, args.seconds, args.clients, 0.9, args.users, args.items)
            stop.set()
            updates.join()
            sampler.join()
            rss_after = worker_rss_mb(server)
            figures = report(f"mixed 90/10 ingest/query, {args.updates_per_second:.0f} UP/s", mixed, args.seconds)
            print(f"  query p99 mixed / alone: {figures['query'] / quiet['query']:.2f}x")
            print(f"  serving workers' RSS: {rss_before:.0f} MiB before the mixed phase, {rss_after:.0f} MiB after "
                  f"({rss_after / rss_before:.2f}x)")  # fmt: skip
            print(f"  RSS every {args.seconds / 10:.0f} s (MiB): {' '.join(f'{mb:.0f}' for mb in samples)}")
            half = len(samples) // 2
            print(f"  growth, first half {samples[half] - samples[0]:+.1f} MiB, second half "
                  f"{samples[-1] - samples[half]:+.1f} MiB")  # fmt: skip
            mixed_p99 = {f"mixed_{kind}_p99_ms": p99 for kind, p99 in figures.items()}
            print(json.dumps({"quiet_query_p99_ms": quiet["query"], **mixed_p99, "rss_ratio": rss_after / rss_before}))
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
            admin.delete_topics([input_topic, update_topic])


if __name__ == "__main__":
    main()
