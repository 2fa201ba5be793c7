"""``TopicAdmin.describe`` on a cluster: a topic just created may still be unknown to the broker asked."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import ConfigResource

from oryx_core.topics.admin import TopicAdmin


class _Entry:
    def __init__(self, value: str) -> None:
        self.value = value


class _AdminAnsweringUnknownFirst:
    """AdminClient's ``describe_configs``: fails ``unknown_answers`` times with UNKNOWN_TOPIC_OR_PART first."""

    def __init__(self, unknown_answers: int, error_code: int = KafkaError.UNKNOWN_TOPIC_OR_PART) -> None:
        self.unknown_answers = unknown_answers
        self.error_code = error_code
        self.calls = 0

    def describe_configs(self, resources: list[ConfigResource]) -> dict[ConfigResource, Future[Any]]:
        self.calls += 1
        future: Future[Any] = Future()
        if self.calls <= self.unknown_answers:
            future.set_exception(KafkaException(KafkaError(self.error_code)))
        else:
            future.set_result({"retention.ms": _Entry("86400000")})
        return {resources[0]: future}


def test_configs_are_asked_again_while_the_topic_is_unknown() -> None:
    admin = TopicAdmin("127.0.0.1:1")
    fake = _AdminAnsweringUnknownFirst(unknown_answers=2)
    admin._admin = fake  # type: ignore[assignment]
    assert admin._topic_configs("OryxUpdate")["retention.ms"].value == "86400000"
    assert fake.calls == 3


def test_other_errors_are_not_retried() -> None:
    admin = TopicAdmin("127.0.0.1:1")
    fake = _AdminAnsweringUnknownFirst(unknown_answers=5, error_code=KafkaError.TOPIC_AUTHORIZATION_FAILED)
    admin._admin = fake  # type: ignore[assignment]
    with pytest.raises(KafkaException):
        admin._topic_configs("OryxUpdate")
    assert fake.calls == 1
