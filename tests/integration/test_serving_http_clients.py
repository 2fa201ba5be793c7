"""The clients Oryx 2 users run, against the serving layer under gunicorn on the real broker.

Java's ``HttpURLConnection`` with its defaults (the JDK itself, not a copy of its headers), Python's urllib and
requests: each gets CSV from result endpoints, each can write with its default ``Content-Type``, compressed
answers read back through Java's own ``GZIPInputStream``, and a decompression bomb is refused over real HTTP
without the worker growing.
"""

from __future__ import annotations

import gzip
import http.server
import json
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import requests
from support.waiting import wait_for

from oryx_core.topics.consumer import InputTopicReader
from oryx_core.topics.messages import MODEL
from oryx_core.topics.producer import TopicProducer

ServingProcess = Any  # conftest's ServingProcess: base_url, process, output()
JAVA_CLIENT = Path(__file__).with_name("JavaDefaultClient.java")
JAVA_DEFAULT_ACCEPTS = (
    "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2",  # JDK 8 and 11, what most Oryx 2 users run
    "text/html, image/gif, image/jpeg, */*; q=0.2",  # JDK 17 updates and later (JDK-8163921)
)
MIB = 1 << 20


class JavaAnswer(NamedTuple):
    status: int
    content_type: str
    content_encoding: str
    body: str


def java(method: str, url: str, *args: str) -> JavaAnswer:
    """One request by the JDK's HttpURLConnection (``java File.java`` compiles and runs the client)."""
    run = subprocess.run(
        ["java", str(JAVA_CLIENT), method, url, *args], capture_output=True, text=True, timeout=120, check=True
    )
    status, content_type, encoding, body = run.stdout.split("\n", 3)
    return JavaAnswer(int(status), content_type, encoding, body)


def input_lines(kafka_brokers: str, input_topic: str) -> list[str]:
    reader = InputTopicReader(kafka_brokers, input_topic, group_id=f"test-{input_topic}")
    try:
        return [m.message for m in reader.read_range(reader.committed_offsets(), reader.end_offsets(), idle_timeout=10)]
    finally:
        reader.close()


@pytest.fixture
def server(
    start_serving: Callable[..., ServingProcess],
    serving_overrides: list[str],
    kafka_brokers: str,
    fresh_topics: tuple[str, str],
) -> ServingProcess:
    served = start_serving(*serving_overrides)
    with TopicProducer(kafka_brokers, fresh_topics[1]) as producer:
        producer.send_sync(MODEL, json.dumps({"apple": 2, "banana": 1}))
    wait_for(lambda: requests.get(served.base_url + "/ready", timeout=10).status_code == 200, 60, "/ready")
    return served


class _HeaderRecorder(http.server.BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []

    def _record(self) -> None:
        self.seen.append({k.lower(): v for k, v in self.headers.items()})
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.end_headers()

    do_GET = do_POST = _record

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def header_recorder() -> Iterator[tuple[str, list[dict[str, str]]]]:
    _HeaderRecorder.seen = []
    recorder = http.server.HTTPServer(("127.0.0.1", 0), _HeaderRecorder)
    thread = threading.Thread(target=recorder.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{recorder.server_port}", _HeaderRecorder.seen
    recorder.shutdown()
    recorder.server_close()


def test_the_jdk_sends_the_defaults_the_negotiation_tests_assume(
    header_recorder: tuple[str, list[dict[str, str]]],
) -> None:
    url, seen = header_recorder
    java("GET", url + "/recommend/u1")
    java("POST", url + "/pref/u1/i1", "5")
    assert len(seen) == 2 and seen[0]["accept"] == seen[1]["accept"]
    assert seen[0]["accept"] in JAVA_DEFAULT_ACCEPTS  # both are in test_serving_negotiation's table
    assert seen[1]["content-type"] == "application/x-www-form-urlencoded"


def test_java_defaults_get_csv_from_result_endpoints(server: ServingProcess) -> None:
    assert java("GET", server.base_url + "/distinct/apple") == JavaAnswer(200, "text/plain; charset=utf-8", "-", "2")
    assert java("GET", server.base_url + "/distinct") == JavaAnswer(
        200, "text/plain; charset=utf-8", "-", "apple,2\nbanana,1\n"
    )


def test_java_defaults_can_write(server: ServingProcess, kafka_brokers: str, fresh_topics: tuple[str, str]) -> None:
    assert java("POST", server.base_url + "/add", "cherry apple\ndate").status == 204
    assert sorted(input_lines(kafka_brokers, fresh_topics[0])) == ["cherry apple", "date"]


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_java_reads_compressed_answers_like_oryx_2s_compressed_response_test(
    server: ServingProcess, coding: str
) -> None:
    answer = java("GET", server.base_url + "/distinct/banana", "", coding)
    assert (answer.status, answer.content_encoding, answer.body) == (200, coding, "1")


def test_python_urllib_posts_with_its_default_content_type(
    server: ServingProcess, kafka_brokers: str, fresh_topics: tuple[str, str]
) -> None:
    request = urllib.request.Request(server.base_url + "/add", data=b"fig grape", method="POST")
    assert request.data is not None
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 204
    assert input_lines(kafka_brokers, fresh_topics[0]) == ["fig grape"]


def test_requests_gets_gzip_by_default(server: ServingProcess) -> None:
    response = requests.get(server.base_url + "/distinct", timeout=10)  # requests asks for gzip, deflate
    assert (response.headers["Content-Encoding"], response.text) == ("gzip", "apple,2\nbanana,1\n")


def worker_peak_rss_kib(server: ServingProcess) -> int:
    """The largest peak resident size (VmHWM) among the gunicorn master's children."""
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    peaks = []
    for child in children:
        status = Path(f"/proc/{child}/status").read_text()
        peaks.append(next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")))
    assert peaks, "no gunicorn worker found"
    return max(peaks)


def gzip_of_zeros(mebibytes: int) -> bytes:
    """gzip of ``mebibytes`` MiB of zeros, compressed once per MiB (valid: gzip allows concatenated members)."""
    return gzip.compress(bytes(MIB), 9) * mebibytes


@pytest.mark.parametrize("chunked", [False, True])
def test_a_gzip_bomb_is_refused_over_http_without_the_worker_growing(
    server: ServingProcess, kafka_brokers: str, fresh_topics: tuple[str, str], chunked: bool
) -> None:
    bomb = gzip_of_zeros(1024)  # about 1 MB that inflates to 1 GiB
    assert len(bomb) < 1_100_000
    before = worker_peak_rss_kib(server)
    data: bytes | Iterator[bytes] = iter([bomb[i : i + 65536] for i in range(0, len(bomb), 65536)]) if chunked else bomb
    headers = {"Content-Type": "text/plain", "Content-Encoding": "gzip"}
    started = time.perf_counter()
    response = requests.post(server.base_url + "/add", data=data, headers=headers, timeout=60)
    elapsed = time.perf_counter() - started
    assert response.status_code == 413, response.text
    assert "max-decompression-ratio" in response.text
    assert elapsed < 5.0
    assert worker_peak_rss_kib(server) - before < 64 * 1024  # KiB; inflating it whole would take over 1 GiB
    assert input_lines(kafka_brokers, fresh_topics[0]) == []


def test_malformed_multipart_is_400_over_http(server: ServingProcess) -> None:
    body = b'--x\r\nContent-Disposition: form-data; name="f"\r\n\r\nu1,i1'  # ends inside its only part
    response = requests.post(
        server.base_url + "/add", data=body, headers={"Content-Type": "multipart/form-data; boundary=x"}, timeout=10
    )
    assert response.status_code == 400 and response.text.startswith("malformed multipart/form-data body: ")
