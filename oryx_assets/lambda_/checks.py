"""Quality checks of the generic tier: the share of a window's lines that are not valid input.

``bad_line_ratio`` warns, it does not block: Oryx 2 skips bad lines and builds from the rest, and the window
is already stored and its offsets committed when the check runs. A warning on the asset is what tells the
operator that a producer started sending something else (a new CSV dialect, truncated lines).

Like every check of this layer, it is partitioned by generation (see ``partitions.generation_check``).
"""

from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, MetadataValue
from dagster_pyspark import LazyPySparkResource

from oryx_assets.app_resource import BatchAppResource
from oryx_assets.lambda_.input_window import input_window, read_line_stats
from oryx_assets.lambda_.retention import window_name
from oryx_assets.lambda_.storage import HadoopStorage
from oryx_assets.lambda_.windows import window_is_complete
from oryx_assets.partitions import generation_check, generation_timestamp
from oryx_core.config import ConfigError, OryxConfig

MAX_BAD_LINE_RATIO_KEY = "oryx.batch.max-bad-line-ratio"


def max_bad_line_ratio(config: OryxConfig) -> float:
    limit = config.get_float(MAX_BAD_LINE_RATIO_KEY)
    if not 0.0 <= limit <= 1.0:
        raise ConfigError(MAX_BAD_LINE_RATIO_KEY, f"must be a number in [0, 1] (1 turns the check off), got {limit}")
    return limit


@generation_check(
    asset=input_window,
    description="The share of new lines that are neither CSV nor a JSON array stays within "
    "oryx.batch.max-bad-line-ratio (a warning; bad lines are skipped by the apps, as in Oryx 2).",
)
def bad_line_ratio(
    context: AssetCheckExecutionContext, batch: BatchAppResource, spark: LazyPySparkResource
) -> AssetCheckResult:
    limit = max_bad_line_ratio(batch.oryx.load())
    storage = HadoopStorage(spark.spark_session, batch.settings.data_dir)
    name = window_name(generation_timestamp(context.partition_key))
    if not window_is_complete(storage, name):
        return AssetCheckResult(passed=True, metadata={"note": "no new input", "limit": limit})
    stats = read_line_stats(storage, name)
    if stats is None:
        return AssetCheckResult(passed=True, metadata={"note": "window stored without line stats", "limit": limit})
    return AssetCheckResult(
        passed=stats.bad_line_ratio <= limit,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "bad_line_ratio": MetadataValue.float(stats.bad_line_ratio),
            "bad_lines": stats.bad_lines,
            "lines": stats.lines,
            "limit": limit,
            "samples": MetadataValue.md(stats.samples_markdown()),
        },
    )
