"""The publisher sends an app's expired IDs (``oryx_core.api.speed.ExpiresIDs``) after the batch's updates, in
the batch's one transaction, keyed ``EXPIRE``; a model that is not ready expires nothing."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from oryx_core.topics.messages import EXPIRE, UP, KeyMessage
from oryx_streaming.lambda_.batches import BatchPublisher
from oryx_streaming.lambda_.published import marker_path


class ExpiringManager:
    """One update per line (``line!``); names one ID as expired after each batch, and when it was asked."""

    def __init__(self, ready: bool = True) -> None:
        self.ready = ready
        self.asked_at: list[int] = []

    def consume_key_message(self, key: str | None, message: str) -> None:
        pass

    def build_updates(self, new_data: Any) -> Iterable[str]:
        return [f"{row['value']}!" for row in new_data.select("value").collect()]

    def fraction_loaded(self) -> float | None:
        return 1.0 if self.ready else None

    def expire(self, now_ms: int) -> list[str]:
        self.asked_at.append(now_ms)
        return [f'["X","gone{len(self.asked_at)}"]']

    def close(self) -> None:
        pass


class RecordingTopic:
    def __init__(self) -> None:
        self.transactions: list[list[KeyMessage]] = []

    def publish(self, records: Iterable[tuple[str | None, str]], *, headers: Sequence[tuple[str, str]] = ()) -> int:
        pending = [KeyMessage(key, message) for key, message in records]
        if pending:
            self.transactions.append(pending)
        return len(pending)

    def scan_tags(self, since_ms: int | None) -> list[str]:
        return []


def publish_one(manager: ExpiringManager, tmp_path: Path, batch: Any) -> RecordingTopic:
    topic = RecordingTopic()
    publisher = BatchPublisher(
        manager, topic, marker_path(tmp_path), query_name="q", scan_tags=topic.scan_tags, query_id="id"
    )
    publisher(batch, 0)
    return topic


def test_expired_ids_follow_the_batchs_updates_in_its_transaction(tmp_path: Path, batch_of: Callable[..., Any]) -> None:
    manager = ExpiringManager()
    before = int(time.time() * 1000)
    topic = publish_one(manager, tmp_path, batch_of("a"))
    assert topic.transactions == [[KeyMessage(UP, "a!"), KeyMessage(EXPIRE, '["X","gone1"]')]]
    assert before <= manager.asked_at[0] <= int(time.time() * 1000)  # wall-clock time, as the batch layer's


def test_nothing_expires_while_the_model_is_not_ready(tmp_path: Path, batch_of: Callable[..., Any]) -> None:
    manager = ExpiringManager(ready=False)
    topic = publish_one(manager, tmp_path, batch_of("a"))
    assert topic.transactions == [] and manager.asked_at == []
