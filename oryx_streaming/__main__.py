"""``python -m oryx_streaming [--conf FILE] [-D key=value ...]``: run the speed layer until SIGTERM or SIGINT.

Start-up fails fast, naming the key or topic at fault: the configuration is validated, the model manager class is
loaded and both topics must exist. Then the update-topic follower starts (so the model loads while Spark starts),
the transactional update producer registers (fencing a previous run of the same query), and the streaming query
starts. On SIGTERM/SIGINT the batch in flight finishes publishing, the query stops, the producer is flushed and
closed and the manager closed; the exit code is 0, or 1 when the query (or the producer's set-up) failed.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import TYPE_CHECKING, Any

from oryx_core.classnames import instantiate
from oryx_core.config import ConfigError, OryxConfig, TopicSettings, load_config, topic_settings, validate_class_key
from oryx_core.spark import SparkSetupError, build_spark_session, connector_jars
from oryx_core.topics.admin import TopicAdmin, TopicMissingError
from oryx_core.topics.consumer import UpdateTopicConsumer
from oryx_core.topics.follower import UpdateFollower
from oryx_core.topics.producer import TransactionalProducer, TransactionError
from oryx_streaming.lambda_.batches import BatchAbortedError, BatchPublisher, BatchStats, kafka_publisher
from oryx_streaming.lambda_.progress import HealthFile, ProgressListener
from oryx_streaming.lambda_.query import FOLLOWER_THREAD, GROUP_PREFIX, checkpoint_location, query_name, start_query

if TYPE_CHECKING:
    from pyspark.sql.streaming import StreamingQuery

log = logging.getLogger("oryx_streaming")

MANAGER_KEY = "oryx.speed.model-manager-class"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m oryx_streaming", description=__doc__.splitlines()[0])
    parser.add_argument("--conf", metavar="FILE", help="HOCON config layered over the defaults")
    parser.add_argument("-D", dest="overrides", metavar="KEY=VALUE", action="append", default=[])
    return parser.parse_args(argv)


def update_topic_of(config: OryxConfig) -> TopicSettings:
    topics = topic_settings(config)
    if not topics.publishes_updates:
        raise ConfigError(
            "oryx.update-topic.message.topic", "the speed layer reads and writes the update topic; it cannot be null"
        )
    return topics


class SpeedLayer:
    """One speed-layer process: follower thread, streaming query and the orderly shutdown of both."""

    def __init__(self, config: OryxConfig) -> None:
        self.config = config
        self.topics = update_topic_of(config)
        manager_class = validate_class_key(config, MANAGER_KEY)
        self.name = query_name(manager_class)
        self.checkpoint = checkpoint_location(config, self.name)
        self._stop_requested = threading.Event()
        self.health = HealthFile(details=self._details)
        self.follower: UpdateFollower | None = None
        self.publisher: BatchPublisher | None = None

    def request_stop(self, signum: int, _frame: FrameType | None = None) -> None:
        log.info("Received %s; stopping after the current micro-batch", signal.Signals(signum).name)
        self._stop_requested.set()

    def _details(self) -> dict[str, Any]:
        stats = self.publisher.stats if self.publisher else BatchStats()
        return {
            "query": self.name,
            **stats.as_dict(),
            "model_messages": self.follower.applied if self.follower else 0,
            # The batch generation the speed layer's model came from (a roll back shows here) and the newer
            # model's late UP messages it skipped since (oryx_core.topics.model_generation).
            "model_generation": self.follower.model_generation if self.follower else None,
            "stale_updates": self.follower.stale if self.follower else 0,
        }

    def preflight(self) -> None:
        """Oryx 2's start-up check that both topics exist, and that Spark's Kafka connector is installed."""
        topics = self.topics
        assert topics.update_broker is not None and topics.update_topic is not None
        TopicAdmin(topics.input_broker).require_topics(topics.input_topic)
        TopicAdmin(topics.update_broker).require_topics(topics.update_topic)
        connector_jars()

    def run(self) -> int:
        topics = self.topics
        assert topics.update_broker is not None and topics.update_topic is not None
        self.health.write("starting")
        manager = instantiate(self.config.get_string(MANAGER_KEY), MANAGER_KEY, self.config)
        consumer = UpdateTopicConsumer(
            topics.update_broker,
            topics.update_topic,
            max_message_bytes=topics.max_message_bytes,
            group_prefix=GROUP_PREFIX,
        )
        self.follower = follower = UpdateFollower(manager, consumer, thread_name=FOLLOWER_THREAD).start()
        producer: TransactionalProducer | None = None
        spark = None
        failure: str | None = None
        try:
            self.publisher, producer = kafka_publisher(
                self.config,
                manager,
                name=self.name,
                checkpoint=self.checkpoint,
                on_batch=lambda _stats: self.health.write("running"),
                model_generation=lambda: follower.model_generation,
            )
            spark = build_spark_session(self.config, "speed")
            spark.streams.addListener(ProgressListener(self.name, batch_report=self.publisher.batch_report))
            query = start_query(spark, self.config, self.publisher, name=self.name, checkpoint=self.checkpoint)
            self.publisher.bind_query(str(query.id))
            # "running" waits for the first micro-batch (on_batch): only then has a new query fixed its
            # starting offsets, so input sent after `oryx up` reports healthy is never skipped.
            log.info("Speed layer query %s (id %s) started; checkpoint %s", self.name, query.id, self.checkpoint)
            failure = self._await(query)
        except TransactionError as error:
            failure = str(error)
            log.error("%s", failure)
        finally:
            self.follower.stop()
            if producer is not None:
                producer.close()
            manager.close()
            if spark is not None:
                spark.stop()
        # Only the first line: `oryx status` prints every field of this file on one line.
        self.health.write("failed" if failure else "stopped", error=failure.splitlines()[0] if failure else None)
        return 1 if failure else 0

    def _await(self, query: StreamingQuery) -> str | None:
        """Waits for a stop request or the query's own end; returns the query's error, if it failed by itself."""
        failure: str | None = None
        try:
            while not self._stop_requested.is_set():
                if query.awaitTermination(1.0):
                    break
        except Exception as error:  # StreamingQueryException: a batch failed
            failure = str(error)
        assert self.publisher is not None
        self.publisher.pause()
        query.stop()
        error = query.exception()
        if failure is None and error is not None and BatchAbortedError.__name__ not in str(error):
            failure = str(error)
        if failure is not None:
            log.error("Query %s failed: %s", self.name, failure)
        return failure


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # py4j logs every callback from the JVM (each micro-batch, each listener event) at INFO.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    args = parse_args(argv)
    try:
        config = load_config(args.conf, args.overrides)
        layer = SpeedLayer(config)
        layer.preflight()
    except (ConfigError, TopicMissingError, SparkSetupError) as error:
        print(f"oryx speed: {error}", file=sys.stderr)
        return 2
    log.info("Speed layer configuration:\n%s", config.redacted())
    signal.signal(signal.SIGTERM, layer.request_stop)
    signal.signal(signal.SIGINT, layer.request_stop)
    return layer.run()


if __name__ == "__main__":
    sys.exit(main())
