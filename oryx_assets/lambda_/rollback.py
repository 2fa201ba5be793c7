"""``republished_model`` and ``rollback_job``: roll back by publishing a retained generation's model again.

A bad model is undone by choosing an earlier generation (a partition of this asset) in the Dagster UI, or by
running ``oryx publish --generation MS``. The generation's ``model.pmml``, still under
``oryx.batch.storage.model-dir``, goes to the update topic again, framed as a new publication would be
(``MODEL``, or ``MODEL-REF`` past the size limit). The app's additional ``UP`` data follows: for ALS every
vector, with known items from the input windows up to and including that generation, as when it was first
published. Every message carries the generation in its ``oryx.generation`` header, so the speed and serving
followers switch to the model and skip the newer generation's ``UP`` messages that are still in flight or
replayed (``oryx_core.topics.model_generation``).

Only a model of an ML-tier app can be rolled back: plain ``BatchLayerUpdate`` apps publish from their own
``run_update`` and keep no model folders. A generation whose model has been removed
(``oryx.batch.storage.max-age-model-hours``) fails with the list of generations that can still be chosen.
Input that arrived after the chosen generation stays in its windows and reaches the next generation's model.
"""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetRecordsFilter,
    AssetSelection,
    DagsterInstance,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
    define_asset_job,
    in_process_executor,
)
from dagster_pyspark import LazyPySparkResource
from pyspark.sql import DataFrame, SparkSession

from oryx_assets.app_resource import BatchAppResource
from oryx_assets.lambda_.publication import (
    MODEL_FILE,
    PUBLISHED_ASSET,
    PUBLISHED_SCORE,
    ChosenModel,
    publish_chosen_model,
)
from oryx_assets.lambda_.retention import model_timestamp, window_name
from oryx_assets.lambda_.storage import HadoopStorage, child_uri
from oryx_assets.lambda_.windows import LINES_SCHEMA, past_window_names, read_past_data, read_window, window_is_complete
from oryx_assets.partitions import generation_timestamp, generations
from oryx_assets.resources import KafkaResource
from oryx_core.api.batch import MLApp

ROLLBACK_JOB = "rollback_job"
ROLLBACK_GROUP = "rollback"
REPUBLISHED_ASSET = "republished_model"


def published_score(instance: DagsterInstance, partition_key: str) -> float | None:
    """The score the generation's model was published with (``published_model``'s metadata), if recorded.

    Carried over to ``republished_model``, so the regression gate compares the next generation with the model
    that is live after the roll back, not with the one rolled back from."""
    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey(PUBLISHED_ASSET), asset_partitions=[partition_key]), limit=10
    ).records
    for record in records:  # newest first
        materialization = record.asset_materialization
        score = materialization.metadata.get(PUBLISHED_SCORE) if materialization is not None else None
        if score is not None and isinstance(score.value, int | float):
            return float(score.value)
    return None


def retained_models(storage: HadoopStorage) -> list[int]:
    """The generations whose model folder still holds a model, oldest first."""
    stamps = (model_timestamp(name) for name in storage.child_dirs())
    return sorted(ts for ts in stamps if ts is not None and storage.exists(f"{ts}/{MODEL_FILE}"))


def generation_input(spark: SparkSession, data_dir: str, timestamp_ms: int) -> tuple[DataFrame, DataFrame | None]:
    """The generation's own window (empty when no longer retained) and the retained windows before it."""
    storage = HadoopStorage(spark, data_dir)
    name = window_name(timestamp_ms)
    if storage.exists(name) and window_is_complete(storage, name):
        new = read_window(spark, child_uri(data_dir, name))
    else:
        new = spark.createDataFrame([], LINES_SCHEMA)
    past = read_past_data(spark, data_dir, past_window_names(storage, timestamp_ms), timestamp_ms)
    return new, past


@asset(partitions_def=generations, kinds={"spark", "kafka"}, group_name=ROLLBACK_GROUP)
def republished_model(
    context: AssetExecutionContext,
    batch: BatchAppResource,
    kafka: KafkaResource,
    spark: LazyPySparkResource,
) -> MaterializeResult:
    """Publishes this (earlier) generation's retained model again: serving and speed switch back to it."""
    timestamp = generation_timestamp(context.partition_key)
    settings = batch.settings
    app = batch.app
    if not isinstance(app, MLApp):
        raise Failure(f"{type(app).__name__} is not an ML-tier app: it keeps no model folders to roll back to")
    session = spark.spark_session
    models = HadoopStorage(session, settings.model_dir)
    retained = retained_models(models)
    if timestamp not in retained:
        raise Failure(
            f"generation {timestamp} has no retained model under {settings.model_dir}",
            metadata={"retained_generations": MetadataValue.json([str(ts) for ts in retained])},
        )
    model_folder = child_uri(settings.model_dir, str(timestamp))
    new, past = generation_input(session, settings.data_dir, timestamp)
    producer = kafka.update_producer(timestamp)
    if producer is None:
        raise Failure("oryx.update-topic.broker or oryx.update-topic.message.topic is null: nowhere to publish")
    with producer:
        result = publish_chosen_model(session, app, ChosenModel(model_folder), producer, new, past)
    context.log.info(f"republished the model of generation {timestamp} ({result.get('message_key')})")
    metadata = {"generation": str(timestamp), **result}
    score = published_score(context.instance, context.partition_key)
    if score is not None:
        metadata[PUBLISHED_SCORE] = MetadataValue.float(score)
    return MaterializeResult(metadata=metadata)


rollback_job = define_asset_job(
    ROLLBACK_JOB,
    selection=AssetSelection.assets(republished_model),
    executor_def=in_process_executor,
    description="Roll back: publish a retained generation's model again (choose the generation as the partition).",
)
