"""``GenerationParquetIOManager``: generation assets hand each other Spark DataFrames, stored as Parquet.

Each generation is one folder, ``<data-dir>/generation=<ts>/`` on any Hadoop-compatible store (everything is
written and read through Spark), so retention deletes a generation's stored assets with its window. How an
output is stored is the asset's ``oryx/storage`` metadata (:class:`Storage`):

* ``parquet`` (the default): written by this manager into ``generation=<ts>/_<asset>/`` (Spark never reads a
  ``_`` folder as part of the window). A DataFrame is one Parquet folder; a :class:`FrameBundle` (such as the
  train/test split) is one folder per DataFrame plus ``_fields.json`` for its other fields. None stores nothing.
* ``window``: the window itself, which ``input_window`` writes (its offset range must be stored after the lines
  and before the offsets are committed); the manager only records its metadata and reads it back.
* ``past-windows``: the retained windows of earlier generations, a view over folders already stored: nothing
  is copied, and loading reads the same complete windows again.

Every stored output gets ``dagster/row_count`` (Dagster's row count, shown in the UI) and its ``path``.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from dagster import ConfigurableIOManager, InputContext, MetadataValue, OutputContext
from dagster_pyspark import LazyPySparkResource

from oryx_assets.lambda_.retention import window_name
from oryx_assets.lambda_.storage import HadoopStorage, child_uri
from oryx_assets.lambda_.windows import (
    past_window_names,
    read_past_data,
    read_window,
    window_is_complete,
    window_uri,
)
from oryx_assets.partitions import generation_timestamp
from oryx_assets.resources import OryxConfigResource

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

STORAGE = "oryx/storage"
ROW_COUNT = "dagster/row_count"
FIELDS_FILE = "_fields.json"


class Storage(StrEnum):
    PARQUET = "parquet"
    WINDOW = "window"
    PAST_WINDOWS = "past-windows"


def stored_as(kind: Storage) -> dict[str, str]:
    """The asset metadata that selects how the manager stores the asset's output."""
    return {STORAGE: kind.value}


class FrameBundle(Protocol):
    """A value made of named DataFrames and a few plain fields, stored as one Parquet folder per DataFrame."""

    FRAME_NAMES: ClassVar[tuple[str, ...]]

    def frames(self) -> Mapping[str, DataFrame | None]: ...

    def fields_json(self) -> str: ...

    @classmethod
    def restore(cls, fields_json: str, frames: Mapping[str, DataFrame | None]) -> FrameBundle: ...


def _metadata_number(value: Any) -> int | None:
    raw = getattr(value, "value", value)
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else None


class GenerationParquetIOManager(ConfigurableIOManager):
    """Stores each generation's DataFrame outputs under its folder of the data dir (see the module doc)."""

    oryx: OryxConfigResource
    spark: LazyPySparkResource

    def _data_dir(self) -> str:
        return self.oryx.load().get_string("oryx.batch.storage.data-dir")

    def _asset_uri(self, timestamp_ms: int, asset: str) -> str:
        return child_uri(window_uri(self._data_dir(), timestamp_ms), f"_{asset}")

    def handle_output(self, context: OutputContext, obj: Any) -> None:
        kind = Storage(context.definition_metadata.get(STORAGE, Storage.PARQUET))
        timestamp = generation_timestamp(context.asset_partition_key)
        if kind is Storage.PARQUET:
            uri = self._asset_uri(timestamp, context.asset_key.path[-1])
            metadata = self._write(self.spark.spark_session, uri, obj)
        else:
            path = window_uri(self._data_dir(), timestamp) if kind is Storage.WINDOW else self._data_dir()
            rows = _metadata_number(context.output_metadata.get("rows"))
            if rows is None:
                rows = obj.count() if obj is not None else 0
            metadata = {ROW_COUNT: MetadataValue.int(rows), "path": MetadataValue.path(path)}
        context.add_output_metadata(metadata)

    def _write(self, spark: SparkSession, uri: str, obj: Any) -> dict[str, Any]:
        parent, name = uri.rsplit("/", 1)
        storage = HadoopStorage(spark, parent)
        storage.delete(name)
        if obj is None:
            return {ROW_COUNT: MetadataValue.int(0), "path": "(nothing stored)"}
        if not hasattr(obj, "frames"):
            obj.write.mode("overwrite").parquet(uri)
            rows = spark.read.parquet(uri).count()
            return {ROW_COUNT: MetadataValue.int(rows), "path": MetadataValue.path(uri)}
        metadata: dict[str, Any] = {}
        stored = []
        for frame_name, frame in obj.frames().items():
            if frame is not None:
                frame.write.mode("overwrite").parquet(child_uri(uri, frame_name))
                metadata[f"rows_{frame_name}"] = spark.read.parquet(child_uri(uri, frame_name)).count()
                stored.append(frame_name)
        kind = type(obj)
        record = {"class": f"{kind.__module__}:{kind.__qualname__}", "frames": stored, "fields": obj.fields_json()}
        storage.write_text(f"{name}/{FIELDS_FILE}", json.dumps(record))
        rows = sum(metadata.values())
        return {ROW_COUNT: MetadataValue.int(rows), **metadata, "path": MetadataValue.path(uri)}

    def load_input(self, context: InputContext) -> Any:
        upstream = context.upstream_output
        assert upstream is not None, "generation assets only load the outputs of other assets"
        kind = Storage(upstream.definition_metadata.get(STORAGE, Storage.PARQUET))
        timestamp = generation_timestamp(context.asset_partition_key)
        spark, data_dir = self.spark.spark_session, self._data_dir()
        storage = HadoopStorage(spark, data_dir)
        if kind is Storage.WINDOW:
            name = window_name(timestamp)
            return read_window(spark, child_uri(data_dir, name)) if window_is_complete(storage, name) else None
        if kind is Storage.PAST_WINDOWS:
            return read_past_data(spark, data_dir, past_window_names(storage, timestamp), timestamp)
        return self._read(spark, self._asset_uri(timestamp, context.asset_key.path[-1]))

    def _read(self, spark: SparkSession, uri: str) -> Any:
        parent, name = uri.rsplit("/", 1)
        storage = HadoopStorage(spark, parent)
        if not storage.exists(name):
            return None
        if not storage.exists(f"{name}/{FIELDS_FILE}"):
            return spark.read.parquet(uri)
        record = json.loads(storage.read_text(f"{name}/{FIELDS_FILE}"))
        module, qualname = record["class"].split(":")
        kind = getattr(importlib.import_module(module), qualname)
        stored = set(record["frames"])
        frames = {n: spark.read.parquet(child_uri(uri, n)) if n in stored else None for n in kind.FRAME_NAMES}
        return kind.restore(record["fields"], frames)
