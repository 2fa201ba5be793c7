"""Chaos on the real stack, at CI scale: lines keep arriving through `POST /add` while each process is killed
with SIGKILL in turn (serving, the speed layer, the broker, the Dagster daemon, a batch generation mid-way) and
restarted with the project's own command (`oryx up`, `oryx batch`). Then the topics and the generation prove
the promise:

* every acknowledged line is on the input topic exactly once, and so is every line of a file that
  ``oryx kafka-input`` started sending while the broker was down (the client retries a 503, a refused connection or
  a lost answer, as a client must, with the same ``Idempotency-Key``: a line whose answer died with the serving
  process is not written again by the retry; the write bound, 30 s here, outlasts a broker restart, so
  librdkafka's idempotent retries land once);
* the last generation counts each line exactly once (new window plus history);
* the speed layer's `UP` output covers every line's words, those sent while it was dead included (no gap);
* the serving process that lived through it all answers as one started afresh from the update topic does;
* per fault (the lines acknowledged from its kill to the next one): acknowledged, on the topic, lost,
  duplicated, counted once in the stored generation data, and the recovery time, printed as a table
  (``support.chaos_report``).

CI runs it small (one line per request, ~50 lines per fault). ``benchmarks/chaos.py`` runs the same test at full
scale through ``ORYX_CHAOS_LINES`` (lines in all, spread over the faults) and ``ORYX_CHAOS_BATCH`` (lines per
request, each request with its own ``Idempotency-Key``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from dagster import AssetKey, DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter
from support.chaos_report import fault_figures, report
from support.ports import free_ports
from support.stacks import ORYX, example_stack_config, oryx_down, private_state
from support.waiting import wait_for

from oryx_assets.lambda_.offsets import OFFSETS_FILE, SUCCESS_FILE
from oryx_core.config import load_config
from oryx_core.topics.consumer import InputTopicReader, UpdateTopicConsumer

pytestmark = pytest.mark.integration

BROKER_PORT, SERVING_PORT, DAGSTER_PORT = free_ports(3)
SERVING = [sys.executable, "-m", "oryx_serving"]
LINES = int(os.environ.get("ORYX_CHAOS_LINES", "0"))
BATCH = max(1, int(os.environ.get("ORYX_CHAOS_BATCH", "1")))
FAULTS = ("serving", "speed", "broker", "dagster-daemon", "batch generation")
KAFKA_INPUT = "broker, via oryx kafka-input"
"""A file sent by ``oryx kafka-input`` started right after the broker was killed."""
PER_FAULT = max(50, LINES // (len(FAULTS) + 1))
"""Lines acknowledged before each fault (and after the last), so the faults strike spread over the stream."""


def post(path: str, body: str = "", key: str | None = None) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{SERVING_PORT}{path}",
        data=body.encode(),
        method="POST",
        headers={"Content-Type": "text/plain", **({"Idempotency-Key": key} if key else {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


class Feeder(threading.Thread):
    """Sends ``c<i>`` lines, ``BATCH`` per request, retrying each request with its own ``Idempotency-Key`` until it
    is acknowledged (204)."""

    def __init__(self) -> None:
        super().__init__(name="chaos-feeder", daemon=True)
        self.acknowledged: list[str] = []
        self.retries = 0
        self._halt = threading.Event()

    def run(self) -> None:
        i = 0
        while not self._halt.is_set():
            lines = [f"c{n}" for n in range(i, i + BATCH)]
            while not self._halt.is_set() and not self._send(lines):
                self.retries += 1
                time.sleep(0.5)
            else:
                if not self._halt.is_set():
                    self.acknowledged.extend(lines)
            i += BATCH
            time.sleep(0.02)

    def _send(self, lines: list[str]) -> bool:
        key = f"feed-{lines[0]}-{len(lines)}"
        if len(lines) == 1:
            return post(f"/add/{lines[0]}", key=key) == 204
        return post("/add", "\n".join(lines), key=key) == 204

    def wait_for_more(self, count: int) -> None:
        target = len(self.acknowledged) + count
        timeout = 180 + count / 50
        wait_for(lambda: len(self.acknowledged) >= target, timeout, f"{count} more acknowledged lines")

    def stop(self) -> None:
        self._halt.set()
        self.join(90)


@pytest.fixture
def stack(tmp_path: Path, kafka_brokers: str) -> Iterator[tuple[dict[str, str], Path]]:
    env = private_state(tmp_path)
    conf = tmp_path / "chaos.conf"
    conf.write_text(example_stack_config("Chaos", BROKER_PORT, SERVING_PORT, write_timeout=30))
    yield env, conf
    oryx_down(env, tmp_path, DAGSTER_PORT)


def kill_group(pid_file: Path) -> None:
    os.killpg(int(pid_file.read_text().strip()), signal.SIGKILL)


def test_every_acknowledged_line_survives_each_process_killed_once(stack: tuple[dict[str, str], Path]) -> None:
    env, conf = stack
    state = Path(env["ORYX_STATE_DIR"])
    folder = conf.parent

    def oryx(*args: str, timeout: float = 400) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*ORYX, *args], env=env, cwd=folder, text=True, capture_output=True, timeout=timeout)

    def up() -> float:
        started = time.monotonic()
        result = oryx("up", "--conf", str(conf), "--dagster-port", str(DAGSTER_PORT), "--timeout", "240")
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return time.monotonic() - started

    up()
    config = load_config(str(conf), [])
    health = state / "speed" / "health.json"
    wait_for(lambda: speed_batches(health) >= 1, 180, "the speed query's first batch (it starts at the end)")
    assert post("/add", "s0 s1") == 204
    seeded = oryx("batch", "--conf", str(conf))  # a first MODEL: the speed layer updates only a loaded model
    assert seeded.returncode == 0, seeded.stdout[-3000:] + seeded.stderr[-3000:]
    assert post("/add/probe") == 204
    wait_for(lambda: "probe" in up_words(config, timeout=5), 180, "the speed layer's first UP")
    feeder = Feeder()
    feeder.start()
    run = state / "run"
    pid_files = {
        "serving": run / "serving.pid",
        "speed": run / "speed.pid",
        "broker": state / "kafka" / f"node-{BROKER_PORT}" / "broker.pid",
        "dagster-daemon": run / "dagster-daemon.pid",
    }
    cli_lines = [f"k{i}" for i in range(PER_FAULT)]
    recovery: dict[str, float] = {}
    struck_at: dict[str, int] = {}  # fault -> how many lines were acknowledged when it struck
    try:
        for name in FAULTS:
            feeder.wait_for_more(PER_FAULT)
            struck_at[name] = len(feeder.acknowledged)
            if name == "batch generation":
                recovery[name] = kill_and_rerun_a_generation(oryx, conf, state)
                continue
            killed_at = time.monotonic()
            kill_group(pid_files[name])
            sender = start_kafka_input(env, conf, cli_lines) if name == "broker" else None
            up()
            feeder.wait_for_more(20)
            recovery[name] = time.monotonic() - killed_at
            if sender is not None:  # sent while the broker was down: the command waits for it, then lands once
                out, err = sender.communicate(timeout=400)
                assert sender.returncode == 0, out[-3000:] + err[-3000:]
                recovery[KAFKA_INPUT] = time.monotonic() - killed_at
            up()  # whatever the fault took down with it (the speed query, when the broker was gone) comes back
        feeder.wait_for_more(PER_FAULT)
    finally:
        feeder.stop()
    print(f"\n{len(feeder.acknowledged)} lines, {feeder.retries} retried requests; {len(cli_lines)} by kafka-input")

    final = oryx("batch", "--conf", str(conf))
    assert final.returncode == 0, final.stdout[-3000:] + final.stderr[-3000:]

    on_topic = Counter(input_lines(config))
    stored = stored_lines(state / "data")
    bounds = [0, *struck_at.values(), len(feeder.acknowledged)]
    report(
        [fault_figures("(none yet)", feeder.acknowledged[: bounds[1]], on_topic, stored, 0.0)]
        + [
            fault_figures(name, feeder.acknowledged[start:end], on_topic, stored, recovery[name])
            for name, start, end in zip(FAULTS, bounds[1:-1], bounds[2:], strict=True)
        ]
        + [fault_figures(KAFKA_INPUT, cli_lines, on_topic, stored, recovery[KAFKA_INPUT])]
    )
    acknowledged = feeder.acknowledged + cli_lines
    assert [line for line, n in on_topic.items() if n > 1] == [], "lines stored twice"
    assert set(acknowledged) - set(on_topic) == set(), "acknowledged lines missing from the input topic"
    assert [line for line in acknowledged if stored[line] != 1] == [], "lines not counted once in the stored data"

    with DagsterInstance.from_config(str(state / "dagster")) as instance:
        counted = rows(instance, "input_window") + rows(instance, "historical_data")
    assert counted == sum(on_topic.values()), f"the last generation counted {counted} of {sum(on_topic.values())}"

    words = up_words(config)
    assert set(acknowledged) - words == set(), f"no UP for {sorted(set(acknowledged) - words)[:10]}"

    assert_serving_converges_with_a_fresh_start(env, conf, set(acknowledged))


def assert_serving_converges_with_a_fresh_start(env: dict[str, str], conf: Path, acknowledged: set[str]) -> None:
    """The serving process that lived through the faults and one started now from the update topic alone end up
    with the same model: the same ``/distinct`` answer, holding every acknowledged word."""
    (fresh_port,) = free_ports(1)
    fresh = subprocess.Popen(
        [*SERVING, "--conf", str(conf), "-D", f"oryx.serving.api.port={fresh_port}"],
        env=env,
        cwd=conf.parent,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seen: dict[str, object] = {}

    def same_answers() -> bool:
        seen["survivor"], seen["fresh"] = distinct(SERVING_PORT), distinct(fresh_port)
        return seen["survivor"] is not None and seen["survivor"] == seen["fresh"]

    try:
        wait_for(same_answers, 240, "the surviving serving process and a fresh one to give the same answers")
    finally:
        os.killpg(fresh.pid, signal.SIGTERM)
        fresh.wait(60)
    answer = seen["survivor"]
    assert isinstance(answer, dict) and acknowledged <= set(answer), "words missing from serving's model"


def distinct(port: int) -> dict[str, int] | None:
    """The example app's whole model (``GET /distinct`` as JSON); None while it cannot answer."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/distinct", headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
    except (OSError, ValueError):
        return None
    return answer if isinstance(answer, dict) else None


def start_kafka_input(env: dict[str, str], conf: Path, lines: list[str]) -> subprocess.Popen[str]:
    data = conf.parent / "kafka-input.txt"
    data.write_text("".join(f"{line}\n" for line in lines))
    return subprocess.Popen(
        [*ORYX, "kafka-input", "--conf", str(conf), "--input-file", str(data)],
        env=env,
        cwd=conf.parent,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def kill_and_rerun_a_generation(oryx, conf: Path, state: Path) -> float:  # type: ignore[no-untyped-def]
    env = {**os.environ, "ORYX_STATE_DIR": str(state), "DAGSTER_HOME": str(state / "dagster")}
    started = time.monotonic()
    generation = subprocess.Popen(
        [*ORYX, "batch", "--conf", str(conf)],
        env=env,
        cwd=conf.parent,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with DagsterInstance.from_config(str(state / "dagster")) as instance:

        def step_started() -> bool:
            runs = instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.STARTED]))
            return bool(runs) and bool(instance.all_logs(runs[0].run_id, of_type=DagsterEventType.STEP_START))

        wait_for(step_started, 240, "a generation's first step")
        [killed] = instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.STARTED]))
        os.killpg(generation.pid, signal.SIGKILL)
        generation.wait(30)

        def marked_failed() -> bool:  # by the stack's own daemon: dead_generation_sensor, every 60 s
            run = instance.get_run_by_id(killed.run_id)
            return run is not None and run.status == DagsterRunStatus.FAILURE

        wait_for(marked_failed, 150, "the daemon to mark the killed generation failed")
    rerun = oryx("batch", "--conf", str(conf))
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    return time.monotonic() - started


def stored_lines(data_dir: Path) -> Counter[str]:
    """Each line's count over the complete windows under the data folder (what the next generation reads)."""
    counts: Counter[str] = Counter()
    for window in data_dir.glob("generation=*"):
        if (window / SUCCESS_FILE).exists() and (window / OFFSETS_FILE).exists():
            for part in window.glob("*.parquet"):
                counts.update(pq.read_table(part, columns=["value"]).column("value").to_pylist())
    return counts


def speed_batches(health: Path) -> int:
    try:
        return int(json.loads(health.read_text()).get("batches", 0))
    except (OSError, ValueError):
        return 0


def rows(instance: DagsterInstance, asset: str) -> int:
    event = instance.get_latest_materialization_event(AssetKey(asset))
    assert event is not None and event.dagster_event is not None
    return int(event.dagster_event.step_materialization_data.materialization.metadata["dagster/row_count"].value)


def input_lines(config) -> list[str]:  # type: ignore[no-untyped-def]
    reader = InputTopicReader(
        config.get_string("oryx.input-topic.broker"),
        config.get_string("oryx.input-topic.message.topic"),
        group_id=f"chaos-check-{time.monotonic_ns()}",
    )
    try:
        return [m.message for m in reader.read_range(reader.committed_offsets(), reader.end_offsets(), idle_timeout=20)]
    finally:
        reader.close()


def up_words(config, timeout: float = 120) -> set[str]:  # type: ignore[no-untyped-def]
    """Every word with an UP on the update topic."""
    words: set[str] = set()
    consumer = UpdateTopicConsumer(
        config.get_string("oryx.update-topic.broker"),
        config.get_string("oryx.update-topic.message.topic"),
        max_message_bytes=config.get_int("oryx.update-topic.message.max-size"),
        group_prefix="ChaosCheck",
    )
    deadline = time.monotonic() + timeout
    with consumer:
        while time.monotonic() < deadline and not (words and consumer.caught_up()):
            words |= {m.message.split(",")[0] for m in consumer.poll(0.5) if m.key == "UP"}
    return words
