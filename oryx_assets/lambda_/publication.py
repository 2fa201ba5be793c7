"""``published_model``: the app's model for this generation, built from new plus past input and published.

The app is found by name (``oryx.batch.update-class``), never imported, so this generic tier works for every
app. As in Oryx 2 the current window is handed over as new data and is not part of past data, and a
generation without new input builds nothing. Old model folders are removed afterwards either way.
"""

from contextlib import nullcontext
from typing import Any

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset
from dagster_pyspark import LazyPySparkResource

from oryx_assets.lambda_.history import read_past_data
from oryx_assets.lambda_.input_window import read_window
from oryx_assets.lambda_.retention import expired_models
from oryx_assets.lambda_.storage import HadoopStorage, child_uri
from oryx_assets.partitions import generation_timestamp, generations
from oryx_assets.resources import KafkaResource, OryxConfigResource
from oryx_core.api.batch import BatchLayerUpdate
from oryx_core.classnames import instantiate
from oryx_core.config import ConfigError, OryxConfig

UPDATE_CLASS_KEY = "oryx.batch.update-class"
NO_DATA = "No data in current generation's RDD"


def load_update(config: OryxConfig) -> BatchLayerUpdate:
    name = config.get_optional_string(UPDATE_CLASS_KEY)
    if name is None:
        raise ConfigError(UPDATE_CLASS_KEY, "is not set; name the app's batch update class (Java or Python name)")
    update = instantiate(name, UPDATE_CLASS_KEY, config)
    if not isinstance(update, BatchLayerUpdate):
        raise ConfigError(UPDATE_CLASS_KEY, f"{name!r} has no run_update(...) method")
    return update


def _metadata_value(value: object) -> Any:
    """Apps return plain values; anything Dagster cannot show as-is is shown as text."""
    if isinstance(value, bool | int | float | str | MetadataValue) or value is None:
        return value
    if isinstance(value, list | dict):
        return MetadataValue.json(value)
    return str(value)


def _delete_expired_models(context: AssetExecutionContext, config: OryxConfig, spark: Any, now_ms: int) -> list:
    model_dir = config.get_string("oryx.batch.storage.model-dir")
    storage = HadoopStorage(spark, model_dir)
    expired = expired_models(storage.child_dirs(), now_ms, config.get_int("oryx.batch.storage.max-age-model-hours"))
    for name in expired:
        context.log.info(f"deleting expired model {child_uri(model_dir, name)}")
        storage.delete(name)
    return expired


@asset(partitions_def=generations, kinds={"spark", "kafka"}, group_name="lambda_")
def published_model(
    context: AssetExecutionContext,
    input_window: str | None,
    historical_data: list[str],
    oryx: OryxConfigResource,
    kafka: KafkaResource,
    spark: LazyPySparkResource,
) -> MaterializeResult:
    """The app's update run over this generation's input; its model goes to the update topic."""
    config = oryx.load()
    timestamp = generation_timestamp(context.partition_key)
    session = spark.spark_session
    model_dir = config.get_string("oryx.batch.storage.model-dir")
    new_data = read_window(session, input_window) if input_window else None
    metadata: dict[str, Any] = {"model_dir": MetadataValue.path(model_dir)}
    if new_data is None or new_data.isEmpty():
        context.log.info(NO_DATA)
        metadata.update({"model_built": False, "reason": NO_DATA})
    else:
        update = load_update(config)
        data_dir = config.get_string("oryx.batch.storage.data-dir")
        past_data = read_past_data(session, data_dir, historical_data, timestamp)
        # Spark's checkpoints (used by iterative algorithms such as ALS) go with the models, as in Oryx 2.
        session.sparkContext.setCheckpointDir(child_uri(model_dir, ".checkpoint"))
        with kafka.update_producer() or nullcontext() as producer:
            result = update.run_update(session, timestamp, new_data, past_data, model_dir, producer)
        metadata.update({"model_built": True, "published": producer is not None})
        metadata.update({key: _metadata_value(value) for key, value in (result or {}).items()})
    metadata["deleted_models"] = MetadataValue.json(_delete_expired_models(context, config, session, timestamp))
    return MaterializeResult(metadata=metadata)
