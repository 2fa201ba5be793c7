"""``historical_data``: the input of earlier generations that is still retained (Oryx 2's "past data").

Retention happens here, before anything reads the history, so a generation never trains on data that is
past ``oryx.batch.storage.max-age-data-hours``. Only complete windows (with their offset range recorded)
count: a folder left half-written by a failed run is not history, and its input is read again.
"""

from dagster import AssetExecutionContext, MetadataValue, Output, asset
from dagster_pyspark import LazyPySparkResource
from pyspark.sql import DataFrame, SparkSession

from oryx_assets.lambda_.input_window import window_is_complete
from oryx_assets.lambda_.retention import expired_windows, window_timestamp
from oryx_assets.lambda_.storage import HadoopStorage, child_uri
from oryx_assets.partitions import generation_timestamp, generations
from oryx_assets.resources import OryxConfigResource
from oryx_assets.sql import load_sql


def read_past_data(spark: SparkSession, data_dir: str, paths: list[str], timestamp_ms: int) -> DataFrame | None:
    """The ``(key, value)`` lines of the given windows older than ``timestamp_ms``; None when there are none."""
    if not paths:
        return None
    windows = spark.read.option("basePath", data_dir).parquet(*paths)
    return spark.sql(load_sql("lambda/past_input.sql"), args={"generation": timestamp_ms}, windows=windows)


def _past_windows(storage: HadoopStorage, names: list[str], timestamp_ms: int) -> list[str]:
    return [
        name
        for name in names
        if (ts := window_timestamp(name)) is not None and ts < timestamp_ms and window_is_complete(storage, name)
    ]


@asset(partitions_def=generations, kinds={"spark", "parquet"}, group_name="lambda_")
def historical_data(
    context: AssetExecutionContext,
    oryx: OryxConfigResource,
    spark: LazyPySparkResource,
) -> Output[list[str]]:
    """Folders of the retained windows of earlier generations (empty on the first generation)."""
    config = oryx.load()
    timestamp = generation_timestamp(context.partition_key)
    data_dir = config.get_string("oryx.batch.storage.data-dir")
    session = spark.spark_session
    storage = HadoopStorage(session, data_dir)
    names = storage.child_dirs()
    expired = expired_windows(names, timestamp, config.get_int("oryx.batch.storage.max-age-data-hours"))
    for name in expired:
        context.log.info(f"deleting expired input window {child_uri(data_dir, name)}")
        storage.delete(name)
    kept = [name for name in names if name not in expired]
    paths = [child_uri(data_dir, name) for name in _past_windows(storage, kept, timestamp)]
    past = read_past_data(session, data_dir, paths, timestamp)
    metadata = {
        "rows": past.count() if past is not None else 0,
        "windows": len(paths),
        "data_dir": MetadataValue.path(data_dir),
        "deleted_windows": MetadataValue.json(expired),
    }
    return Output(paths, metadata=metadata)
