"""``historical_data``: the input of earlier generations that is still retained (Oryx 2's "past data").

Retention and erasure happen here, before anything reads the data, so a generation never trains on data that
is past ``oryx.batch.storage.max-age-data-hours``, nor on a line of a user erased before it started: the
erasure requests in this generation's window rewrite every retained window, this one included (``erasure``);
hence the asset waits for ``input_window``. Only complete windows (with their offset range recorded)
count: a folder left half-written by a failed run is not history, and its input is read again. The value is
a view over the stored windows: the IO manager copies nothing, and downstream assets read the same windows.
"""

from typing import Any

from dagster import AssetExecutionContext, MetadataValue, Output, asset
from dagster_pyspark import LazyPySparkResource
from pyspark.sql import DataFrame, SparkSession

from oryx_assets.app_resource import BatchAppResource
from oryx_assets.io_managers import Storage, stored_as
from oryx_assets.lambda_.erasure import drop_derived_outputs, erase_from_windows, finish_rewrites, window_erasures
from oryx_assets.lambda_.input_window import input_window, read_line_stats
from oryx_assets.lambda_.retention import expired_windows, window_name
from oryx_assets.lambda_.storage import HadoopStorage, child_uri
from oryx_assets.lambda_.windows import past_window_names, read_past_data, window_is_complete
from oryx_assets.partitions import generation_timestamp, generations


@asset(
    deps=[input_window],
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
    erasure = _erase(context, session, storage, names, window_name(timestamp))
    past = read_past_data(session, data_dir, names, timestamp)
    metadata = {
        "rows": past.count() if past is not None else 0,
        "windows": len(names),
        "data_dir": MetadataValue.path(data_dir),
        "deleted_windows": MetadataValue.json(expired),
        **erasure,
    }
    return Output(past, metadata=metadata)


def _erase(
    context: AssetExecutionContext, session: SparkSession, storage: HadoopStorage, past: list[str], current: str
) -> dict[str, Any]:
    """Applies the current window's erasure requests to every retained window; metadata saying what it did (the
    number of IDs, never the IDs: the event log is not under ``data-dir`` and must not keep them either)."""
    windows = [*past, current] if window_is_complete(storage, current) else list(past)
    finish_rewrites(storage, windows)
    stats = read_line_stats(storage, current) if current in windows else None
    if current not in windows or (stats is not None and stats.erasures == 0):
        return {"erased_ids": 0}
    erased = window_erasures(session, child_uri(storage.uri, current))
    if not erased:
        return {"erased_ids": 0}
    removed = erase_from_windows(session, storage, windows, erased)
    dropped = drop_derived_outputs(storage, past)
    rewritten = sum(1 for lines in removed.values() if lines)
    context.log.info(
        f"erased {len(erased)} ID(s): {sum(removed.values())} line(s) removed from {rewritten} window(s); "
        f"{len(dropped)} stored output(s) of earlier generations deleted"
    )
    return {
        "erased_ids": len(erased),
        "erased_lines": sum(removed.values()),
        "rewritten_windows": rewritten,
        "deleted_derived_outputs": len(dropped),
    }
