"""Helpers shared by the batch-layer integration tests: config, input, update-topic reading, one generation."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import speed_support
from dagster import DagsterInstance, ExecuteInProcessResult, materialize
from pyspark.sql import DataFrame, SparkSession

from oryx_assets.definitions import GENERATION_ASSETS, GENERATION_CHECKS
from oryx_assets.lambda_.automation import start_generation
from oryx_assets.resources import OryxConfigResource
from oryx_assets.wiring import build_resources
from oryx_core.api.batch import MLUpdate
from oryx_core.config import OryxConfig
from oryx_core.ml.hyperparams import DiscreteRange, HyperParamValues
from oryx_core.ml.pmml import add_extension, get_extension, pmml_skeleton
from oryx_core.topics.messages import UP, KeyMessage
from oryx_core.topics.producer import TopicProducer


def batch_overrides(brokers: str, topics: tuple[str, str], tmp_path: Path, update_class: str) -> list[str]:
    input_topic, update_topic = topics
    return [
        f"oryx.id=batch-test-{uuid.uuid4().hex[:8]}",
        f"oryx.input-topic.broker={brokers}",
        f"oryx.input-topic.message.topic={input_topic}",
        f"oryx.update-topic.broker={brokers}",
        f"oryx.update-topic.message.topic={update_topic}",
        f"oryx.batch.update-class={update_class}",
        f"oryx.batch.storage.data-dir=file:{tmp_path}/data/",
        f"oryx.batch.storage.model-dir=file:{tmp_path}/model/",
        "oryx.batch.streaming.master=local[2]",
        'oryx.batch.streaming.config."spark.sql.shuffle.partitions"=4',
        'oryx.batch.streaming.config."spark.ui.enabled"=false',
        # A speed session built from the same settings (the k-means and RDF tests) puts its UI on a free port.
        "oryx.speed.ui.port=0",
    ]


def produce(oryx: OryxConfigResource, lines: list[str]) -> None:
    speed_support.send_input(oryx.load(), lines)


def update_messages(oryx: OryxConfigResource, expected: int, timeout: float = 30.0) -> list[KeyMessage]:
    """Every message on the update topic, waiting until at least ``expected`` have arrived."""
    return speed_support.update_messages(oryx.load(), expected, timeout)


def materialize_generation(
    oryx: OryxConfigResource, instance: DagsterInstance, timestamp_ms: int, *, expect_success: bool = True
) -> ExecuteInProcessResult:
    """Every generation asset and check for one partition, through Dagster's ``materialize``."""
    key = start_generation(instance, timestamp_ms)
    result = materialize(
        [*GENERATION_ASSETS, *GENERATION_CHECKS],
        partition_key=key,
        instance=instance,
        resources=build_resources(oryx),
        raise_on_error=False,
    )
    assert result.success is expect_success, [e.message for e in result.get_step_failure_events()]
    return result


def asset_metadata(result: ExecuteInProcessResult) -> dict[str, dict[str, Any]]:
    return {
        event.asset_key.to_user_string(): {k: v.value for k, v in event.materialization.metadata.items()}
        for event in result.get_asset_materialization_events()
    }


def check_verdicts(result: ExecuteInProcessResult) -> dict[str, bool]:
    return {evaluation.check_name: evaluation.passed for evaluation in result.get_asset_check_evaluations()}


def check_severities(result: ExecuteInProcessResult) -> dict[str, tuple[bool, str]]:
    """Each check's (passed, severity): a failed WARN shows on the asset, a failed ERROR blocks publication."""
    return {e.check_name: (e.passed, e.severity.value) for e in result.get_asset_check_evaluations()}


def markdown_rows(table: str) -> list[dict[str, str]]:
    """The rows of a markdown table as header -> cell."""
    lines = [line.strip().strip("|").split("|") for line in table.strip().splitlines()]
    header = [cell.strip() for cell in lines[0]]
    return [dict(zip(header, (cell.strip() for cell in row), strict=True)) for row in lines[2:]]


class CountingMLApp(MLUpdate):
    """A Spark-only ML app whose model records its hyperparameter and training rows; x = 3 scores best.

    After the model it publishes one ``UP`` message, ``new=<rows> past=<rows>``, so a test can see which data
    ``publish_additional_model_data`` received. Named by ``oryx.batch.update-class = batch_support.CountingMLApp``.
    """

    def hyperparameter_values(self, config: OryxConfig) -> dict[str, HyperParamValues]:
        return {"x": DiscreteRange(1, 5)}

    def build_model(
        self, spark: SparkSession, train_df: DataFrame, hyperparams: dict[str, Any], candidate_dir: str
    ) -> Element:
        root = pmml_skeleton(0)
        add_extension(root, "x", hyperparams["x"])
        add_extension(root, "rows", train_df.count())
        return root

    def evaluate(
        self, spark: SparkSession, model_pmml: Element, candidate_dir: str, test_df: DataFrame, train_df: DataFrame
    ) -> float:
        return -abs(int(get_extension(model_pmml, "x") or 0) - 3)

    def publish_additional_model_data(
        self,
        spark: SparkSession,
        pmml: Element,
        new_df: DataFrame,
        past_df: DataFrame | None,
        model_dir: str,
        producer: TopicProducer,
    ) -> None:
        past = past_df.count() if past_df is not None else 0
        producer.send(UP, f"new={new_df.count()} past={past}")
