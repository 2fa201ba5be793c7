"""Oryx 2's tests end to end: the serving layer under gunicorn, its model from the real broker's update topic.

``LiveServer`` offers what the ported tests use of ``Oryx2Server`` (``client``, ``clear_input``,
``input_messages``, ``input_fields``), so the very same test functions run against it: ``HttpClient`` speaks
HTTP with the Flask test client's method names and answers, and the input topic is read back from Kafka. Input
topics get one partition, the analogue of Oryx 2's ``MockTopicProducer`` list, so lines keep their order.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import uuid
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import urllib3
from support.ports import free_port
from support.waiting import wait_for

from oryx_core.topics.admin import TopicAdmin
from oryx_core.topics.consumer import InputTopicReader
from oryx_core.topics.messages import KeyMessage
from oryx_core.topics.producer import TopicProducer

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"


@dataclass
class HttpResponse:
    """The parts of werkzeug's ``TestResponse`` the ported tests read; the body exactly as sent (not inflated)."""

    status_code: int
    headers: urllib3.HTTPHeaderDict
    raw: bytes

    @property
    def mimetype(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip()

    def get_data(self) -> bytes:
        return self.raw

    @property
    def text(self) -> str:
        body = self.raw
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        return body.decode("utf-8")

    def get_json(self) -> Any:
        return json.loads(self.text)


class HttpClient:
    """``FlaskClient``'s ``get``/``post``/``delete``/``head`` over real HTTP (no automatic decompression)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._pool = urllib3.PoolManager(retries=False, timeout=30.0)

    def open(
        self,
        method: str,
        path: str,
        *,
        query_string: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        data: bytes | str | dict[str, tuple[Any, str, str]] | None = None,
        content_type: str | None = None,
    ) -> HttpResponse:
        headers = dict(headers or {})
        body: bytes | None
        if isinstance(data, dict):  # werkzeug's multipart form: name -> (file, filename, part type)
            fields = {name: (filename, file.read(), part_type) for name, (file, filename, part_type) in data.items()}
            body, headers["Content-Type"] = urllib3.encode_multipart_formdata(fields)
        else:
            body = data.encode() if isinstance(data, str) else data
            if content_type is not None:
                headers["Content-Type"] = content_type
        url = self.base_url + path
        if query_string:
            url += "?" + urlencode(query_string, doseq=True)
        response = self._pool.request(method, url, body=body, headers=headers, decode_content=False)
        return HttpResponse(response.status, response.headers, response.data)

    def get(self, path: str, **kwargs: Any) -> HttpResponse:
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> HttpResponse:
        return self.open("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> HttpResponse:
        return self.open("DELETE", path, **kwargs)

    def head(self, path: str, **kwargs: Any) -> HttpResponse:
        return self.open("HEAD", path, **kwargs)


@dataclass
class LiveServer:
    """A gunicorn serving layer and its topics on the real broker."""

    base_url: str
    brokers: str
    input_topic: str
    _start: dict[int, int] = field(default_factory=dict)

    @property
    def client(self) -> HttpClient:
        return HttpClient(self.base_url)

    @contextmanager
    def _reader(self) -> Iterator[InputTopicReader]:
        reader = InputTopicReader(self.brokers, self.input_topic, group_id=f"compat-{uuid.uuid4().hex[:8]}")
        try:
            yield reader
        finally:
            reader.close()

    def clear_input(self) -> LiveServer:
        with self._reader() as reader:
            self._start = reader.end_offsets()
        return self

    def input_messages(self) -> list[KeyMessage]:
        """What the server wrote since ``clear_input``: every write answered 204 only once the broker had it."""
        with self._reader() as reader:
            return list(reader.read_range(self._start, reader.end_offsets(), idle_timeout=10))

    def input_fields(self) -> list[list[str]]:
        messages = self.input_messages()
        assert all(message.key is not None for message in messages)
        return [message.message.split(",") for message in messages]


def create_topics(brokers: str, name: str) -> tuple[str, str]:
    """A fresh input (one partition) and update topic pair with Oryx 2's other settings."""
    suffix = uuid.uuid4().hex[:10]
    input_topic, update_topic = f"OryxInput-{name}-{suffix}", f"OryxUpdate-{name}-{suffix}"
    TopicAdmin(brokers).create_oryx_topics(input_topic, update_topic, input_partitions=1)
    return input_topic, update_topic


def publish(brokers: str, topic: str, messages: Sequence[tuple[str, str]]) -> None:
    """Writes the messages to the update topic, as Oryx 2's batch layer (or ``ProduceData``) would."""
    with TopicProducer(brokers, topic) as producer:
        for key, message in messages:
            producer.send(key, message)
        producer.flush()


def topic_config(brokers: str, input_topic: str, update_topic: str) -> list[str]:
    return [
        f"oryx.input-topic.broker={brokers}",
        f"oryx.input-topic.message.topic={input_topic}",
        f"oryx.update-topic.broker={brokers}",
        f"oryx.update-topic.message.topic={update_topic}",
    ]


@contextmanager
def gunicorn(
    *servers: tuple[Path, Sequence[str]], scheme: str = "http", ready: Sequence[int] = (200, 401)
) -> Iterator[list[str]]:
    """``python -m oryx_serving`` with one worker per (state folder, config overrides), all started at once; yields
    their base URLs once each ``/ready`` answers with a status in ``ready`` (200: the model is loaded; 401: it
    is, or not, behind auth), and stops them after.

    ``tests/`` is on the workers' path, so config may name test classes (Oryx 2's ``TestALSRescorerProvider``).
    """
    started: list[tuple[subprocess.Popen[bytes], str, Path]] = []
    try:
        for state_dir, overrides in servers:
            started.append(_start(state_dir, overrides, scheme))
        for process, base_url, log in started:
            _wait_until_ready(process, base_url, log, ready)
        yield [base_url for _, base_url, _ in started]
    finally:
        for process, _, _ in started:
            process.send_signal(signal.SIGTERM)
        for process, _, _ in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_ready(process: subprocess.Popen[bytes], base_url: str, log: Path, ready: Sequence[int]) -> None:
    wait_for(lambda: _ready_status(base_url) in ready or process.poll() is not None, 90, "gunicorn's /ready")
    if process.poll() is not None:
        raise AssertionError(f"serving exited with {process.returncode}:\n{log.read_text(errors='replace')}")


def _start(state_dir: Path, overrides: Sequence[str], scheme: str) -> tuple[subprocess.Popen[bytes], str, Path]:
    port = free_port()
    port_key = "secure-port" if scheme == "https" else "port"
    command = [sys.executable, "-m", "oryx_serving", "-D", f"oryx.serving.api.{port_key}={port}"]
    for override in ("oryx.serving.api.workers=1", "oryx.serving.api.threads=4", *overrides):
        command += ["-D", override]
    state_dir.mkdir(parents=True, exist_ok=True)
    log = state_dir / "serving.log"
    env = {**os.environ, "ORYX_STATE_DIR": str(state_dir), "PYTHONPATH": os.pathsep.join([str(TESTS), str(REPO)])}
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    return process, f"{scheme}://127.0.0.1:{port}", log


def _ready_status(base_url: str) -> int | None:
    """``/ready``'s status, or None while nothing answers (certificates not checked: tests bring their own)."""
    try:
        pool = urllib3.PoolManager(retries=False, timeout=2.0, cert_reqs="CERT_NONE")
        return pool.request("GET", base_url + "/ready").status
    except urllib3.exceptions.HTTPError:
        return None
