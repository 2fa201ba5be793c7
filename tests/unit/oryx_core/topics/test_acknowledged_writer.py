"""``AcknowledgedWriter`` against a broker address where nothing listens: every call fails on its own, in time."""

from __future__ import annotations

import threading
import time

import pytest
from support.ports import free_port

from oryx_core.topics.acknowledged_writer import OUTCOME_GRACE_S, AcknowledgedWriter
from oryx_core.topics.producer import DeliveryError


def test_every_concurrent_write_fails_by_itself_within_its_bound() -> None:
    writer = AcknowledgedWriter(f"127.0.0.1:{free_port()}", "OryxInput", timeout_s=1)
    outcomes: list[str] = []

    def write(line: str) -> None:
        try:
            writer.write([(None, line)] * 3)
            outcomes.append("acknowledged")
        except DeliveryError as error:
            outcomes.append(str(error))

    started = time.monotonic()
    threads = [threading.Thread(target=write, args=(f"line {n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert time.monotonic() - started < 1 + OUTCOME_GRACE_S + 2
    # Each call reports its own three records, never another's, and none is acknowledged.
    assert len(outcomes) == 4 and all("3 message(s) failed" in outcome for outcome in outcomes), outcomes
    writer.close(timeout=1)


def test_a_closed_writer_refuses_to_write() -> None:
    writer = AcknowledgedWriter(f"127.0.0.1:{free_port()}", "OryxInput", timeout_s=1)
    writer.close(timeout=1)
    with pytest.raises(RuntimeError, match="closed"):
        writer.write([(None, "x")])
