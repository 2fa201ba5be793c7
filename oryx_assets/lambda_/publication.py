"""``published_model``: this generation's model on the update topic, then old model folders removed.

Two kinds of app reach this asset, through the same graph:

* an ML-tier app (``MLApp``): the ML assets already chose, stored and checked the model, and hand over a
  :class:`ChosenModel`. Its ``model.pmml`` is sent as ``MODEL``, or as ``MODEL-REF`` (the file's qualified path)
  when larger than ``oryx.update-topic.message.max-size``; then the app's additional ``UP`` data, if any.
* a plain ``BatchLayerUpdate``: the ML assets passed through without doing anything, and the app's
  ``run_update`` builds and publishes here, as in Oryx 2's lambda tier.

As in Oryx 2 the current window is handed over as new data and is not part of past data, and a generation
without new input builds nothing. Old model folders are removed afterwards either way.

``ChosenModel`` is defined here, in the generic tier, because publication is what consumes it: the ML tier
produces it without this tier having to know about the ML tier.
"""

import math
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset
from dagster_pyspark import LazyPySparkResource
from pyspark.sql import DataFrame, SparkSession

from oryx_assets.app_resource import BatchAppResource
from oryx_assets.lambda_.retention import expired_models
from oryx_assets.lambda_.storage import HadoopStorage, child_uri
from oryx_assets.partitions import generation_timestamp, generations
from oryx_assets.resources import KafkaResource
from oryx_assets.settings import BatchSettings
from oryx_core.api.batch import MLApp
from oryx_core.ml.pmml import read_pmml
from oryx_core.topics.messages import frame_model, utf8_size
from oryx_core.topics.producer import TopicProducer

NO_DATA = "No data in current generation's RDD"
PUBLISHED_ASSET = "published_model"
PUBLISHED_SCORE = "score"
"""``published_model`` metadata: the published model's evaluation, which the next generation must not fall below
(``model_not_worse_than_published``)."""
MODEL_FILE = "model.pmml"


@dataclass(frozen=True)
class ChosenModel:
    """What the ML tier hands to publication for one generation.

    ``path`` is the model folder (``<model-dir>/<ts>/``, holding ``model.pmml`` and any side files), or None
    when there is nothing to publish: no candidate built a model, or the best one was below the threshold.
    ``score`` is the winner's evaluation (NaN when there was no test data), kept also for rejected models so
    the ``model_meets_threshold`` check can say by how much it missed.
    """

    path: str | None
    score: float | None = None
    threshold: float | None = None
    candidates: int = 0
    built: int = 0


def _metadata_value(value: object) -> Any:
    """Apps return plain values; anything Dagster cannot show as-is is shown as text."""
    if isinstance(value, bool | int | float | str | MetadataValue) or value is None:
        return value
    if isinstance(value, list | dict):
        return MetadataValue.json(value)
    return str(value)


def _delete_expired_models(
    context: AssetExecutionContext, settings: BatchSettings, spark: SparkSession, now_ms: int
) -> list[str]:
    model_dir = settings.model_dir
    storage = HadoopStorage(spark, model_dir)
    expired = expired_models(storage.child_dirs(), now_ms, settings.max_age_model_hours)
    for name in expired:
        context.log.info(f"deleting expired model {child_uri(model_dir, name)}")
        storage.delete(name)
    return expired


def publish_chosen_model(
    spark: SparkSession,
    app: MLApp,
    chosen: ChosenModel,
    producer: TopicProducer | None,
    new_data: DataFrame,
    past_data: DataFrame | None,
) -> dict[str, Any]:
    """Sends the chosen model (MODEL or MODEL-REF), then the app's additional UP data; returns metadata."""
    assert chosen.path is not None
    storage = HadoopStorage(spark, chosen.path)
    pmml_text = storage.read_text(MODEL_FILE)
    limit = producer.max_message_bytes if producer is not None else None
    metadata: dict[str, Any] = {
        "model_path": MetadataValue.path(storage.qualified(MODEL_FILE)),
        "pmml_bytes": utf8_size(pmml_text),
        "published": producer is not None,
    }
    if producer is None or limit is None:
        return metadata
    message = frame_model(pmml_text, storage.qualified(MODEL_FILE), limit)
    producer.send_sync(message.key, message.message)
    sent_before = producer.sent_count
    additional = getattr(app, "publish_additional_model_data", None)
    if additional is not None:
        additional(spark, read_pmml(pmml_text), new_data, past_data, chosen.path, producer)
        producer.flush()
    metadata.update({"message_key": message.key, "additional_updates": producer.sent_count - sent_before})
    return metadata


@asset(partitions_def=generations, kinds={"spark", "kafka"}, group_name="lambda_")
def published_model(
    context: AssetExecutionContext,
    input_window: DataFrame | None,
    historical_data: DataFrame | None,
    tuned_model: ChosenModel | None,
    batch: BatchAppResource,
    kafka: KafkaResource,
    spark: LazyPySparkResource,
) -> MaterializeResult:
    """This generation's model on the update topic: the ML tier's chosen model, or a plain app's run_update."""
    settings = batch.settings
    timestamp = generation_timestamp(context.partition_key)
    session = spark.spark_session
    model_dir = settings.model_dir
    new_data = input_window
    metadata: dict[str, Any] = {"model_dir": MetadataValue.path(model_dir)}
    if new_data is None or new_data.isEmpty():
        context.log.info(NO_DATA)
        metadata.update({"model_built": False, "reason": NO_DATA})
    else:
        app = batch.app
        past_data = historical_data
        # Spark's checkpoints (used by iterative algorithms such as ALS) go with the models, as in Oryx 2.
        session.sparkContext.setCheckpointDir(child_uri(model_dir, ".checkpoint"))
        with kafka.update_producer(timestamp) or nullcontext() as producer:
            if isinstance(app, MLApp):
                if tuned_model is None or tuned_model.path is None:
                    context.log.info("the ML tier chose no model this generation: nothing to publish")
                    metadata.update({"model_built": False, "reason": "no model was chosen (see tuned_model)"})
                else:
                    # An app that parses its input up front gets the rows the ML tier already parsed.
                    key = context.partition_key
                    new_rows, past_rows = batch.parsed(key, "new", new_data), batch.parsed(key, "past", past_data)
                    result = publish_chosen_model(session, app, tuned_model, producer, new_rows, past_rows)
                    metadata.update({"model_built": True, **result})
                    if tuned_model.score is not None and math.isfinite(tuned_model.score):
                        metadata[PUBLISHED_SCORE] = MetadataValue.float(tuned_model.score)
            else:
                result = app.run_update(session, timestamp, new_data, past_data, model_dir, producer)
                metadata.update({"model_built": True, "published": producer is not None})
                metadata.update({key: _metadata_value(value) for key, value in (result or {}).items()})
    metadata["deleted_models"] = MetadataValue.json(_delete_expired_models(context, settings, session, timestamp))
    return MaterializeResult(metadata=metadata)
