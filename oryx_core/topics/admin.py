"""Creating and checking the input and update topics with Oryx 2's settings.

Oryx 2's ``kafka-setup`` gave the input topic 4 partitions (parallel ingest) and the update topic a single
partition with one day of retention: readers replay the update topic from the start, so it must stay short
and totally ordered. ``max.message.bytes`` is raised on both so a model or a long line is not rejected by the
broker's 1 MB default. Every layer checks at start-up that its topics exist, with Oryx 2's message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

_CONFIGS_OF_INTEREST = (
    "retention.ms",
    "max.message.bytes",
    "min.insync.replicas",
    "cleanup.policy",
    "compression.type",
)
_REQUEST_TIMEOUT_S = 30.0


class TopicMissingError(RuntimeError):
    """A configured topic does not exist; layers refuse to start rather than wait on nothing."""

    def __init__(self, topic: str) -> None:
        super().__init__(f"Topic {topic} does not exist; did you create it?")
        self.topic = topic


class TopicAdmin:
    """A thin, synchronous face on confluent-kafka's asynchronous AdminClient.

    Construction does not contact the broker; call ``wait_until_ready`` where a clear failure is wanted.
    """

    def __init__(self, brokers: str) -> None:
        self.brokers = brokers
        self._admin = AdminClient(
            {"bootstrap.servers": brokers, "logger": logging.getLogger("oryx_core.topics.librdkafka")}
        )

    def wait_until_ready(self, timeout: float) -> None:
        """Returns once a broker answers a metadata request; raises ``TimeoutError`` naming the brokers."""
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"Kafka brokers {self.brokers} did not answer within {timeout:g}s: {last_error}")
            try:
                self._admin.list_topics(timeout=min(remaining, 2.0))
                return
            except KafkaException as error:
                last_error = error
                time.sleep(min(0.2, max(deadline - time.monotonic(), 0.0)))

    def topic_names(self, timeout: float = _REQUEST_TIMEOUT_S) -> set[str]:
        # Listing all topics, not asking for one, so a broker with auto-create on cannot create it by accident.
        return set(self._admin.list_topics(timeout=timeout).topics)

    def topic_exists(self, name: str) -> bool:
        return name in self.topic_names()

    def require_topics(self, *names: str) -> None:
        """Oryx 2's start-up check: fail with its message for the first configured topic that is missing."""
        existing = self.topic_names()
        for name in names:
            if name not in existing:
                raise TopicMissingError(name)

    def create_oryx_topics(
        self,
        input_topic: str,
        update_topic: str,
        *,
        input_partitions: int = 4,
        update_partitions: int = 1,
        replication_factor: int = 1,
        min_insync_replicas: int | None = None,
        update_retention_ms: int = 86_400_000,
        max_message_bytes: int = 16_777_216,
    ) -> list[str]:
        """Creates whichever of the two topics is missing; returns the names created (existing ones are kept
        as they are, so running setup twice is harmless).

        On a cluster, ``replication_factor`` 3 with ``min_insync_replicas`` 2 lets a broker die without losing
        an acknowledged line (our producers use ``acks=all``); None keeps the broker's default (1).
        """
        if min_insync_replicas is not None and not 1 <= min_insync_replicas <= replication_factor:
            raise ValueError(
                f"min.insync.replicas must be between 1 and the replication factor {replication_factor}, "
                f"got {min_insync_replicas}"
            )
        size = {"max.message.bytes": str(max_message_bytes)}
        if min_insync_replicas is not None:
            size["min.insync.replicas"] = str(min_insync_replicas)
        wanted = [
            NewTopic(input_topic, num_partitions=input_partitions, replication_factor=replication_factor, config=size),
            NewTopic(
                update_topic,
                num_partitions=update_partitions,
                replication_factor=replication_factor,
                config={**size, "retention.ms": str(update_retention_ms)},
            ),
        ]
        existing = self.topic_names()
        missing = [topic for topic in wanted if topic.topic not in existing]
        if not missing:
            return []
        futures = self._admin.create_topics(missing, operation_timeout=_REQUEST_TIMEOUT_S)
        created = []
        for name, future in futures.items():
            try:
                future.result(timeout=_REQUEST_TIMEOUT_S + 5)
                created.append(name)
            except KafkaException as error:
                # Another process may have created it between our listing and our request.
                if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise
        self._await_leaders(created, _REQUEST_TIMEOUT_S)
        return sorted(created, key=[input_topic, update_topic].index)

    def describe(self, name: str) -> dict[str, Any]:
        """Partitions, replication and the configs Oryx cares about, for printing after setup."""
        metadata = self._admin.list_topics(timeout=_REQUEST_TIMEOUT_S).topics.get(name)
        if metadata is None:
            raise TopicMissingError(name)
        partitions = metadata.partitions
        entries = self._topic_configs(name)
        return {
            "partitions": len(partitions),
            "replication_factor": len(partitions[min(partitions)].replicas) if partitions else 0,
            "configs": {key: entries[key].value for key in _CONFIGS_OF_INTEREST if key in entries},
        }

    def _topic_configs(self, name: str) -> dict[str, Any]:
        """The topic's configs. Retried while the broker asked answers "unknown topic": on a cluster, a topic
        just created reaches each broker's metadata a moment later (seen with ``kafka-setup`` on 3 brokers)."""
        resource = ConfigResource(ConfigResource.Type.TOPIC, name)
        deadline = time.monotonic() + _REQUEST_TIMEOUT_S
        while True:
            try:
                return dict(self._admin.describe_configs([resource])[resource].result(timeout=_REQUEST_TIMEOUT_S))
            except KafkaException as error:
                if error.args[0].code() != KafkaError.UNKNOWN_TOPIC_OR_PART or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def delete_topics(self, names: Iterable[str]) -> None:
        """For tests: removes topics, ignoring ones already gone."""
        names = list(names)
        if not names:
            return
        for future in self._admin.delete_topics(names, operation_timeout=_REQUEST_TIMEOUT_S).values():
            try:
                future.result(timeout=_REQUEST_TIMEOUT_S + 5)
            except KafkaException as error:
                if error.args[0].code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
                    raise

    def _await_leaders(self, names: list[str], timeout: float) -> None:
        """Creation returns before every partition has a leader; producing right away would stall on it."""
        deadline = time.monotonic() + timeout
        while names and time.monotonic() < deadline:
            topics = self._admin.list_topics(timeout=timeout).topics
            if all(
                name in topics
                and topics[name].partitions
                and all(p.leader >= 0 for p in topics[name].partitions.values())
                for name in names
            ):
                return
            time.sleep(0.1)
