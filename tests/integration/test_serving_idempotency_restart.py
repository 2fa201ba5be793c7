"""``Idempotency-Key`` through real gunicorn and a real broker: a client whose first attempt landed but whose
answer was lost (the serving process died after the broker's acknowledgement) retries against a freshly started
serving process, and the lines are on the input topic once. Without a key the same retry doubles them, which is
what the key is for.
"""

from __future__ import annotations

import signal
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from oryx_core.topics.consumer import InputTopicReader

pytestmark = pytest.mark.integration

ServingProcess = Any  # conftest's ServingProcess: base_url, process, output()


def post(server: ServingProcess, path: str, body: str, key: str | None = None) -> int:
    headers = {"Content-Type": "text/plain", **({"Idempotency-Key": f'"{key}"'} if key else {})}
    request = urllib.request.Request(server.base_url + path, data=body.encode(), method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def stored(kafka_brokers: str, topic: str) -> Counter[str]:
    reader = InputTopicReader(kafka_brokers, topic, group_id=f"idempotency-check-{time.monotonic_ns()}")
    try:
        return Counter(
            m.message for m in reader.read_range(reader.committed_offsets(), reader.end_offsets(), idle_timeout=10)
        )
    finally:
        reader.close()


def test_a_retry_to_a_restarted_server_lands_once_and_without_a_key_twice(
    start_serving: Callable[..., ServingProcess],
    serving_overrides: list[str],
    kafka_brokers: str,
    fresh_topics: tuple[str, str],
) -> None:
    first = start_serving(*serving_overrides)
    assert post(first, "/add", "a b\nc d", key="request-1") == 204
    assert post(first, "/add", "e f") == 204
    first.process.send_signal(signal.SIGKILL)  # the answers above could have been lost with it
    first.process.wait(30)

    restarted = start_serving(*serving_overrides)
    assert post(restarted, "/add", "a b\nc d", key="request-1") == 204  # the client's retry: a replay
    assert post(restarted, "/add", "e f") == 204  # the same retry without a key
    assert post(restarted, "/add", "g h", key="request-1") == 422  # a key is one request's, not a session's
    assert post(restarted, "/add", "i j", key="request-2") == 204
    assert post(restarted, "/add", "i j", key="request-2") == 204

    assert stored(kafka_brokers, fresh_topics[0]) == Counter({"a b": 1, "c d": 1, "e f": 2, "i j": 1})
