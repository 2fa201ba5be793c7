"""``Idempotency-Key``: a retry writes only the records the broker does not hold; keys survive a restart through
the tail scan; busy keys are 409, reused ones 422, a ledger not yet loaded 503 with ``Retry-After``."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from support.memory_topics import InMemoryBroker

from oryx_core.api.serving import OryxServingError
from oryx_serving.lambda_.idempotency import (
    IdempotencyLedger,
    parse_key,
    parse_tag,
    record_tag,
)


def loaded(tags: list[str] | None = None, **kwargs: Any) -> IdempotencyLedger:
    ledger = IdempotencyLedger(lambda since_ms: list(tags or []), 300, **kwargs)
    ledger.load()
    return ledger


def tag(key: str, index: int, count: int, fingerprint: str = "fp") -> str:
    return record_tag(key, fingerprint, index, count).decode()


@pytest.mark.parametrize(
    ("raw", "key"),
    [('"8e03978e-40d5"', "8e03978e-40d5"), ("plain-token", "plain-token"), ('"a \\"b\\""', 'a "b"')],
)
def test_keys_are_read_as_structured_field_strings_or_bare(raw: str, key: str) -> None:
    assert parse_key(raw) == key


@pytest.mark.parametrize("raw", ["", '""', "x" * 256, "caf\u00e9", "tab\there"])
def test_an_empty_long_or_non_printable_key_is_400(raw: str) -> None:
    with pytest.raises(OryxServingError) as raised:
        parse_key(raw)
    assert raised.value.status == 400 and "Idempotency-Key" in raised.value.message


def test_tags_round_trip_and_foreign_ones_are_ignored() -> None:
    assert parse_tag(tag("k with spaces", 2, 3)) == ("k with spaces", "fp", 2, 3)
    assert [parse_tag(v) for v in ("", "junk", "5/3 fp k", "x/y fp k")] == [None] * 4


def test_a_retry_after_success_writes_nothing() -> None:
    ledger = loaded()
    assert ledger.begin("k", "fp", 3) == [0, 1, 2]
    ledger.finish("k", [0, 1, 2], acknowledged=True)
    assert ledger.begin("k", "fp", 3) == []
    assert ledger.replayed_records == 3


def test_a_retry_after_a_failure_writes_only_what_did_not_land() -> None:
    on_topic: list[str] = []
    ledger = IdempotencyLedger(lambda since_ms: list(on_topic), 300)
    ledger.load()
    todo = ledger.begin("k", "fp", 3)
    on_topic.append(tag("k", 1, 3))  # "possibly persisted": record 1 reached the broker, the call still failed
    on_topic.append(tag("other", 0, 1))
    ledger.finish("k", todo, acknowledged=False)
    assert ledger.begin("k", "fp", 3) == [0, 2]


def test_keys_written_before_a_restart_are_replays() -> None:
    ledger = loaded([tag("k", 0, 2), tag("k", 1, 2), tag("half", 0, 2)])
    assert ledger.begin("k", "fp", 2) == []
    assert ledger.begin("half", "fp", 2) == [1]


def test_a_key_in_use_is_409_and_a_reused_key_is_422() -> None:
    ledger = loaded()
    ledger.begin("k", "fp", 1)
    with pytest.raises(OryxServingError) as busy:
        ledger.begin("k", "fp", 1)
    with pytest.raises(OryxServingError) as reused:
        ledger.begin("k", "another request", 1)
    with pytest.raises(OryxServingError) as recounted:
        ledger.begin("k", "fp", 2)
    assert (busy.value.status, reused.value.status, recounted.value.status) == (409, 422, 422)


def test_keyed_writes_wait_for_the_start_scan_then_503() -> None:
    release = threading.Event()

    def slow_scan(since_ms: int) -> list[str]:
        release.wait(10)
        return []

    ledger = IdempotencyLedger(slow_scan, 300, load_wait_s=0.05)
    ledger.start()
    with pytest.raises(OryxServingError) as raised:
        ledger.begin("k", "fp", 1)
    assert raised.value.status == 503 and raised.value.headers["Retry-After"]
    release.set()
    ledger._loaded.wait(5)
    assert ledger.begin("k", "fp", 1) == [0]


def test_a_start_scan_that_fails_is_503_for_keyed_writes_until_a_later_attempt_succeeds() -> None:
    broker_up = threading.Event()

    def scan(since_ms: int) -> list[str]:
        if not broker_up.is_set():
            raise TimeoutError("no broker")
        return [tag("k", 0, 1)]

    ledger = IdempotencyLedger(scan, 300, load_wait_s=0.05)
    assert ledger.load() is False and "no broker" in (ledger.load_error or "")
    with pytest.raises(OryxServingError) as raised:
        ledger.begin("k", "fp", 1)
    assert raised.value.status == 503 and raised.value.headers["Retry-After"]
    ledger.start()
    broker_up.set()
    assert ledger._loaded.wait(5)
    assert ledger.begin("k", "fp", 1) == []
    ledger.close()


def test_the_scan_starts_one_window_back_and_keys_expire_after_it() -> None:
    now = [1_000.0]
    asked: list[int] = []
    ledger = IdempotencyLedger(lambda since_ms: asked.append(since_ms) or [], 300, clock=lambda: now[0])
    now[0] += 50  # a scan that succeeds late still covers the window before the start
    ledger.load()
    assert asked == [700_000]
    ledger.finish("k", ledger.begin("k", "fp", 1), acknowledged=True)
    now[0] += 301
    assert ledger.begin("k", "fp", 1) == [0]  # forgotten: written again
    assert len(ledger) == 1


def test_a_keyed_add_through_the_app_lands_once(example_app: Flask, broker: InMemoryBroker) -> None:
    client = example_app.test_client()
    headers = {"Idempotency-Key": '"req-1"'}
    answers = [client.post("/add", data="a b\nc d", headers=headers).status_code for _ in range(3)]
    other = client.post("/add/e", headers=headers)
    assert answers == [204, 204, 204]
    assert [m.message for m in broker.messages("OryxInput")] == ["a b", "c d"]
    assert other.status_code == 422 and b"Idempotency-Key" in other.data


def test_a_bad_key_is_400_and_writes_nothing(example_app: Flask, broker: InMemoryBroker) -> None:
    client = example_app.test_client()
    answer = client.post("/add/x", headers={"Idempotency-Key": ""})
    assert answer.status_code == 400 and broker.messages("OryxInput") == []


def test_past_max_keys_the_oldest_idle_key_is_forgotten_first() -> None:
    ledger = loaded(max_keys=2)
    for key in ("a", "b", "c"):
        ledger.finish(key, ledger.begin(key, "fp", 1), acknowledged=True)
    assert ledger.begin("d", "fp", 1) == [0]  # a fourth key: "a", the oldest, makes room
    assert ledger.begin("c", "fp", 1) == []  # still remembered: a replay
    assert ledger.begin("a", "fp", 1) == [0]  # forgotten: written again
    assert len(ledger) <= 3
