"""ALS serving at scale: /recommend over a random 1M-item × 50-feature model, exact and with sample-rate 0.3.

    .venv/bin/python benchmarks/als_recommend.py [--items 1000000] [--users 10000] [--features 50]
        [--seconds 10] [--connections 8] [--kafka-port 19122] [--skip-http] [--skip-kafka]

Printed, each next to a baseline measured in the same run:

Vectors are loaded with the bulk ``set_many`` path, except in 4, which is the real message-by-message path.

1. **Bare numpy brute force**: ``Y @ x`` then ``argpartition`` for the top 10, one query at a time in this
   process: the floor any exact serving layer pays per query.
2. **Serving model in process** (no HTTP): ``ALSServingModel.top_items`` for user vectors, exact and
   approximate (LSH, rows grouped by hash partition), with recall@10 of the approximate answers against the
   exact ones, the speed-up over our exact mode (``x exact``), and the resident memory per stored vector
   against the raw float32 size (RSS delta). The approximate model is measured twice: filled in 100k blocks
   (the store then leaves up to a fifth of the rows in an ungrouped tail, which every query scans whole, as
   after a streamed load) and filled by one ``set_many`` (every row grouped: the LSH scan at its best).
3. **Through HTTP** (``als_recommend_http.py``): the real ``create_app`` under gunicorn (one worker,
   ``threads`` from reference.conf), ``GET /recommend/u{n}`` with varying users, driven by ``wrk``
   (requests/s and latency percentiles): exact, LSH, and the HNSW graph (``oryx.als.ann``) on two cores and on
   one. The ANN mode in process, against bare faiss and usearch, is ``als_ann.py``.
4. **Model load from Kafka**: a real broker (started here on ``--kafka-port`` unless one runs there), a MODEL
   plus one UP per vector produced to a fresh update topic, then the time until a serving manager fed by the
   real follower (``oryx_core.topics.follower.UpdateFollower``) has every vector (fraction loaded = 1),
   against a bare confluent-kafka loop reading the same topic (orjson decode, float32 vector, nothing stored).

The machine is shared: the medians of interleaved rounds are printed, and ratios within one run are what to
compare across machines.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from als_recommend_http import http_rounds
from als_recommend_model import build_model, random_factors

REPO = Path(__file__).resolve().parents[1]
QUERIES = 200
TOP = 10


# ---- measuring helpers (the random model is als_recommend_model.py's) ----------------------------------------


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# ---- 1 + 2: in-process measurements -----------------------------------------------------------------------------


def numpy_top(y32: np.ndarray, query: np.ndarray) -> set[int]:
    scores = y32 @ query
    top = np.argpartition(-scores, TOP)[:TOP]
    return set(top[np.argsort(-scores[top])].tolist())


def in_process(args: argparse.Namespace) -> dict[str, Any]:
    """Builds the models (measuring RSS), then times numpy, exact and approximate on each query in turn,
    so background load drifting during the run hits all of them alike."""
    results: dict[str, Any] = {}
    models = {}
    for label, rate, block in (
        ("exact", 1.0, 100_000),
        ("approx", args.sample_rate, 100_000),
        ("approx grouped", args.sample_rate, args.items),
    ):
        gc.collect()
        before = rss_bytes()
        start = time.perf_counter()
        models[label] = build_model(args.items, args.users, args.features, rate, block)
        fill_seconds = time.perf_counter() - start
        gc.collect()
        results[label] = {"latencies": [], "recalls": [], "memory": rss_bytes() - before, "fill_seconds": fill_seconds}
    y, x = random_factors(args.items, args.users, args.features)
    y32 = np.ascontiguousarray(y.astype(np.float32))
    queries = x[:QUERIES].astype(np.float32)
    del y, x
    results["numpy"] = []
    for query in queries:
        begin = time.perf_counter()
        exact = numpy_top(y32, query)
        results["numpy"].append(time.perf_counter() - begin)
        for label, model in models.items():
            begin = time.perf_counter()
            top = model.top_items(query, TOP)
            results[label]["latencies"].append(time.perf_counter() - begin)
            results[label]["recalls"].append(len({int(id_[1:]) for id_, _ in top} & exact) / TOP)
    for label in models:
        results[label]["recall"] = float(np.mean(results[label]["recalls"]))
    return results


# ---- 4: model load from the update topic --------------------------------------------------------------------------


def kafka_load(args: argparse.Namespace) -> dict[str, float]:
    from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml
    from oryx_core.config import load_config
    from oryx_core.ml.pmml import write_pmml
    from oryx_core.topics.admin import TopicAdmin
    from oryx_core.topics.consumer import UpdateTopicConsumer
    from oryx_core.topics.follower import UpdateFollower
    from oryx_core.topics.producer import TopicProducer
    from oryx_serving.apps.als.manager import ALSServingModelManager

    brokers = f"127.0.0.1:{args.kafka_port}"
    env = {**os.environ, "ORYX_KAFKA_PORT": str(args.kafka_port)}
    status = subprocess.run(["bash", "infra/kafka/broker.sh", "status"], cwd=REPO, env=env, capture_output=True)
    started = status.returncode != 0
    if started:
        subprocess.run(["bash", "infra/kafka/broker.sh", "start"], cwd=REPO, env=env, check=True, capture_output=True)
    try:
        admin = TopicAdmin(brokers)
        admin.wait_until_ready(60)
        suffix = uuid.uuid4().hex[:8]
        input_topic, update_topic = f"BenchInput-{suffix}", f"BenchUpdate-{suffix}"
        admin.create_oryx_topics(input_topic, update_topic)
        y, x = random_factors(args.items, args.users, args.features)
        user_ids = tuple(f"u{row}" for row in range(args.users))
        item_ids = tuple(f"i{row}" for row in range(args.items))
        pmml = write_pmml(build_als_pmml(ALSModelDescription(args.features, True, x_ids=user_ids, y_ids=item_ids)))
        start = time.perf_counter()
        with TopicProducer(brokers, update_topic, linger_ms=50) as producer:
            producer.send("MODEL", pmml)
            for item, row in zip(item_ids, y.tolist(), strict=True):
                producer.send("UP", json.dumps(["Y", item, row], separators=(",", ":")))
            for user, row in zip(user_ids, x.tolist(), strict=True):
                producer.send("UP", json.dumps(["X", user, row], separators=(",", ":")))
            producer.flush(600)
        produce_seconds = time.perf_counter() - start
        config = load_config(None, [f"oryx.update-topic.broker={brokers}"])
        manager = ALSServingModelManager(config)
        consumer = UpdateTopicConsumer(brokers, update_topic, max_message_bytes=16_777_216)
        follower = UpdateFollower(manager, consumer, thread_name="bench-serving-follower")
        start = time.perf_counter()
        follower.start()
        deadline = start + max(120.0, (args.items + args.users) / 1000)  # a stall fails rather than spins
        while True:
            model = manager.get_model()
            if model is not None and model.get_fraction_loaded() >= 1.0 and len(model.y) == args.items:
                break
            if time.perf_counter() > deadline:
                follower.stop()
                raise TimeoutError(
                    f"model not loaded from Kafka in {deadline - start:.0f} s: "
                    f"{follower.consumed} of {args.items + args.users + 1} messages consumed"
                )
            time.sleep(0.05)
        load_seconds = time.perf_counter() - start
        follower.stop()
        bare_seconds = bare_consume_seconds(brokers, update_topic, args.items + args.users + 1)
        admin.delete_topics([input_topic, update_topic])
        return {
            "produce": produce_seconds,
            "load": load_seconds,
            "bare": bare_seconds,
            "messages": args.items + args.users + 1,
        }
    finally:
        if started:
            subprocess.run(["bash", "infra/kafka/broker.sh", "stop"], cwd=REPO, env=env, capture_output=True)


def bare_consume_seconds(brokers: str, topic: str, messages: int) -> float:
    """The floor: a bare confluent-kafka loop reading the same topic, each UP decoded by orjson and its vector
    made float32, nothing checked or stored."""
    import orjson
    from confluent_kafka import Consumer

    consumer = Consumer(
        {"bootstrap.servers": brokers, "group.id": f"bench-bare-{uuid.uuid4()}", "auto.offset.reset": "earliest"}
    )
    consumer.subscribe([topic])
    start = time.perf_counter()
    seen = 0
    while seen < messages:
        for record in consumer.consume(500, 1.0):
            seen += 1
            if record.key() == b"UP":
                np.asarray(orjson.loads(record.value())[2], dtype=np.float32)
    seconds = time.perf_counter() - start
    consumer.close()
    return seconds


# ---- report -------------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--sample-rate", type=float, default=0.3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--kafka-port", type=int, default=int(os.environ.get("ORYX_KAFKA_PORT", "19122")))
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-kafka", action="store_true")
    args = parser.parse_args()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"items={args.items} users={args.users} features={args.features} sample-rate={args.sample_rate} "
          f"cpus={os.cpu_count()} load average before={load}", flush=True)  # fmt: skip

    measured = in_process(args)
    numpy_ms = statistics.median(measured["numpy"]) * 1000
    raw = args.features * 4
    print(f"\n{'in process (200 queries, top 10)':<44}{'p50 ms':>9}{'p99 ms':>9}{'x numpy':>9}{'x exact':>9}"
          f"{'recall@10':>11}{'bytes/vector':>14}{'fill s':>8}")  # fmt: skip
    p99 = percentile(measured["numpy"], 0.99) * 1000
    exact_ms = statistics.median(measured["exact"]["latencies"]) * 1000
    print(f"{'bare numpy Y@x + argpartition':<44}{numpy_ms:>9.2f}{p99:>9.2f}{1.0:>9.2f}{exact_ms / numpy_ms:>9.2f}"
          f"{1.0:>11.3f}{raw:>14}{'':>8}")  # fmt: skip
    vectors = args.items + args.users
    names = {
        "exact": "ALSServingModel exact",
        "approx": f"ALSServingModel sample-rate {args.sample_rate}",
        "approx grouped": f"ALSServingModel sample-rate {args.sample_rate}, grouped",
    }
    for label, name in names.items():
        entry = measured[label]
        p50 = statistics.median(entry["latencies"]) * 1000
        p99 = percentile(entry["latencies"], 0.99) * 1000
        print(f"{name:<44}{p50:>9.2f}{p99:>9.2f}{numpy_ms / p50:>9.2f}{exact_ms / p50:>9.2f}{entry['recall']:>11.3f}"
              f"{entry['memory'] / vectors:>14.0f}{entry['fill_seconds']:>8.1f}")  # fmt: skip
    print(f"(raw float32 = {raw} bytes/vector; x numpy / x exact > 1 means faster than that scan; 'grouped': one "
          "set_many, no ungrouped tail)", flush=True)  # fmt: skip

    if not args.skip_http and shutil.which("wrk"):
        results = http_rounds(args)
        print(f"\n{'HTTP GET /recommend/u{n}, wrk':<40}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}"
              f"{'x numpy 1-thread':>18}")  # fmt: skip
        for name, runs in results.items():
            rate = statistics.median(run["rate"] for run in runs)
            p50 = statistics.median(run["50%"] for run in runs)
            p99 = statistics.median(run["99%"] for run in runs)
            errors = sum(run["errors"] for run in runs)
            print(f"{name:<40}{rate:>9.1f}{p50:>9.2f}{p99:>9.2f}{errors:>9.0f}{rate / (1000 / numpy_ms):>18.2f}")
        print(f"(bare numpy, one thread: {1000 / numpy_ms:.1f} queries/s)", flush=True)

    if not args.skip_kafka:
        loaded = kafka_load(args)
        print(f"\nmodel load from Kafka: {loaded['messages']:.0f} messages produced in {loaded['produce']:.1f} s, "
              f"loaded by the serving manager in {loaded['load']:.1f} s "
              f"({loaded['messages'] / loaded['load']:,.0f} vectors/s); a bare consume + orjson + float32 loop "
              f"reads the same topic in {loaded['bare']:.1f} s ({loaded['messages'] / loaded['bare']:,.0f}/s): "
              f"we take {loaded['load'] / loaded['bare']:.2f}x its time")  # fmt: skip


if __name__ == "__main__":
    main()
