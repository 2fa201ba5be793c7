"""``oryx erase --user ID``: the argument wiring and the one record it writes, with a fake writer for the broker.

The run against a real broker (the record read back from the topic) is in ``tests/integration/test_cli_kafka.py``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

import pytest

from oryx_cli import kafka
from oryx_cli.main import build_parser, main
from oryx_core.input.erasure import ERASE_INPUT_KEY, parse_erasure
from oryx_core.topics import acknowledged_writer
from oryx_core.topics.producer import DeliveryError

TOPIC_ARGS = ["-D", "oryx.input-topic.broker=broker-a:9092", "-D", "oryx.input-topic.message.topic=ErasureIn"]


class FakeWriter:
    """Stands in for ``AcknowledgedWriter``: keeps what it was built with and written, or fails as told."""

    made: list[FakeWriter] = []
    failure: Exception | None = None

    def __init__(self, brokers: str, topic: str, **options: Any) -> None:
        self.brokers, self.topic, self.options = brokers, topic, options
        self.records: list[tuple[str | None, str]] = []
        self.closed = False
        FakeWriter.made.append(self)

    def write(self, records: Sequence[tuple[str | None, str]]) -> None:
        if FakeWriter.failure is not None:
            raise FakeWriter.failure
        self.records += records

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.closed = True


@pytest.fixture(autouse=True)
def fake_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> type[FakeWriter]:
    monkeypatch.chdir(tmp_path)  # no ./oryx.conf of the checkout is read
    monkeypatch.setenv("ORYX_STATE_DIR", str(tmp_path))
    monkeypatch.setattr(acknowledged_writer, "AcknowledgedWriter", FakeWriter)
    FakeWriter.made, FakeWriter.failure = [], None
    return FakeWriter


def test_erase_is_a_subcommand_with_a_required_user_and_a_timeout() -> None:
    args = build_parser().parse_args(["erase", "--user", "a,b", *TOPIC_ARGS])
    assert (args.handler, args.user, args.timeout) == (kafka.erase, "a,b", 30.0)
    assert build_parser().parse_args(["erase", "--user", "u", "--timeout", "2.5"]).timeout == 2.5
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["erase"])
    assert exited.value.code == 2


@pytest.mark.parametrize("user", ["u1", "a,b", 'q"uo"te', "ünïcödé 漢字", "b/c", " "])
def test_the_record_is_the_tombstone_every_layer_reads(user: str) -> None:
    key, value = kafka.erasure_record(user, 1_700_000_000_000)
    assert key == ERASE_INPUT_KEY
    erasure = parse_erasure(value)
    assert (erasure.id_, erasure.erased_at_ms) == (user, 1_700_000_000_000)


def test_it_writes_one_tombstone_to_the_configured_topic_and_says_what(
    fake_writer: type[FakeWriter], capsys: pytest.CaptureFixture[str]
) -> None:
    before = int(time.time() * 1000)
    assert main(["erase", "--user", "a,b", "--timeout", "7", *TOPIC_ARGS]) == 0
    after = int(time.time() * 1000)

    [writer] = fake_writer.made
    assert (writer.brokers, writer.topic, writer.options["timeout_s"], writer.closed) == (
        "broker-a:9092",
        "ErasureIn",
        7.0,
        True,
    )
    [(key, value)] = writer.records
    erasure = parse_erasure(value)
    assert key == ERASE_INPUT_KEY and erasure.id_ == "a,b" and before <= erasure.erased_at_ms <= after
    out = capsys.readouterr().out
    assert "'a,b'" in out and "ErasureIn" in out and ERASE_INPUT_KEY in out and value in out


def test_an_unacknowledged_write_exits_1_with_a_message_and_no_traceback(
    fake_writer: type[FakeWriter], capsys: pytest.CaptureFixture[str]
) -> None:
    fake_writer.failure = DeliveryError("ErasureIn", [], 1, 7.0)
    assert main(["erase", "--user", "u1", "--timeout", "7", *TOPIC_ARGS]) == 1
    err = capsys.readouterr().err
    assert "did not acknowledge the erasure of user 'u1'" in err and "broker-a:9092" in err
    assert "not acknowledged within 7s" in err and "running the command again is safe" in err


def test_an_empty_user_is_a_usage_error_before_any_broker_is_asked(
    fake_writer: type[FakeWriter], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["erase", "--user", "", *TOPIC_ARGS]) == 2
    assert "--user: must not be empty" in capsys.readouterr().err
    assert fake_writer.made == []
