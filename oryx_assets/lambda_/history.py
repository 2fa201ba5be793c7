"""``historical_data``: the input of earlier generations that is still retained (Oryx 2's "past data").

Retention happens here, before anything reads the history, so a generation never trains on data that is
past ``oryx.batch.storage.max-age-data-hours``. Only complete windows (with their offset range recorded)
count: a folder left half-written by a failed run is not history, and its input is read again. The value is
a view over the stored windows: the IO manager copies nothing, and downstream assets read the same windows.
"""

from dagster import AssetExecutionContext, MetadataValue, Output, asset
from dagster_pyspark import LazyPySparkResource
from pyspark.sql import DataFrame

from oryx_assets.app_resource import BatchAppResource
from oryx_assets.io_managers import Storage, stored_as
from oryx_assets.lambda_.retention import expired_windows
from oryx_assets.lambda_.storage import HadoopStorage, child_uri
from oryx_assets.lambda_.windows import past_window_names, read_past_data
from oryx_assets.partitions import generation_timestamp, generations


@asset(
    partitions_def=generations,
    kinds={"spark", "parquet"},
    group_name="lambda_",
    io_manager_key="generation_io_manager",
    metadata=stored_as(Storage.PAST_WINDOWS),
)
def historical_data(
    context: AssetExecutionContext,
    batch: BatchAppResource,
    spark: LazyPySparkResource,
) -> Output[DataFrame | None]:
    """The ``(key, value)`` lines of the retained windows of earlier generations; None on the first generation."""
    settings = batch.settings
    timestamp = generation_timestamp(context.partition_key)
    data_dir = settings.data_dir
    session = spark.spark_session
    storage = HadoopStorage(session, data_dir)
    expired = expired_windows(storage.child_dirs(), timestamp, settings.max_age_data_hours)
    for name in expired:
        context.log.info(f"deleting expired input window {child_uri(data_dir, name)}")
        storage.delete(name)
    names = past_window_names(storage, timestamp)
    past = read_past_data(session, data_dir, names, timestamp)
    metadata = {
        "rows": past.count() if past is not None else 0,
        "windows": len(names),
        "data_dir": MetadataValue.path(data_dir),
        "deleted_windows": MetadataValue.json(expired),
    }
    return Output(past, metadata=metadata)
