"""``input_window``: the input that arrived during one generation, saved as Parquet under the data folder.

Each input record lands in exactly one window: the window is the range from the batch group's committed
offsets to the end offsets seen when the generation starts. Its records are read with oryx_core's
``InputTopicReader`` (the same decoding as the other layers, and no dependence on Spark's Kafka connector
being on the JVM's classpath), written through Spark in bounded chunks to ``<data-dir>/generation=<ts>/``,
the range is recorded beside them, and only then are the offsets committed. A re-run of the generation
finds the complete folder and reuses it; a later generation that finds the previous window stored but not
committed (the run stopped in between) commits it first, so its records are not read into a second window.

Lines are stored as they arrived; apps parse them. While copying, each line is also checked against Oryx 2's
line format (CSV or JSON array), and the count of lines the ML apps will skip, with a few samples, is kept
beside the window (``_line_stats.json``) for the UI and the ``bad_line_ratio`` check.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

import pyarrow as pa
from dagster import AssetExecutionContext, MetadataValue, Output, asset
from dagster_pyspark import LazyPySparkResource
from pyspark.sql import DataFrame, SparkSession

from oryx_assets.app_resource import BatchAppResource
from oryx_assets.io_managers import Storage, stored_as
from oryx_assets.lambda_.offsets import OFFSETS_FILE, OffsetRange, offsets_to_commit
from oryx_assets.lambda_.retention import window_name, window_timestamp
from oryx_assets.lambda_.storage import HadoopStorage, child_uri
from oryx_assets.lambda_.windows import LINES_SCHEMA, read_window, window_is_complete
from oryx_assets.partitions import generation_timestamp, generations
from oryx_assets.resources import KafkaResource
from oryx_core.input.erasure import ERASE_INPUT_KEY
from oryx_core.input.lines import BadLineCounter
from oryx_core.topics.consumer import InputTopicReader
from oryx_core.topics.messages import KeyMessage

CHUNK_LINES = 100_000
"""Lines held in the driver at once while a window is copied from Kafka into Parquet."""


LINE_STATS_FILE = "_line_stats.json"


@dataclass
class LineStats:
    """How many lines a window holds and how many of them are not valid CSV / JSON-array lines."""

    lines: int = 0
    bad_lines: int = 0
    samples: list[tuple[str, str]] = field(default_factory=list)
    erasures: int | None = None
    """Erasure tombstones among the lines (``oryx_core.input.erasure``); None for windows stored before they were
    counted. Counted while copying, so a generation without any spends nothing looking for them."""

    @property
    def bad_line_ratio(self) -> float:
        return self.bad_lines / self.lines if self.lines else 0.0

    def to_json(self) -> str:
        return json.dumps(
            {"lines": self.lines, "bad_lines": self.bad_lines, "samples": self.samples, "erasures": self.erasures}
        )

    @classmethod
    def from_json(cls, text: str) -> "LineStats":
        raw = json.loads(text)
        erasures = raw.get("erasures")
        samples = [(str(a), str(b)) for a, b in raw["samples"]]
        return cls(int(raw["lines"]), int(raw["bad_lines"]), samples, None if erasures is None else int(erasures))

    def samples_markdown(self) -> str:
        rows = [f"| `{line[:80]}` | {reason} |" for line, reason in self.samples]
        return "\n".join(["| line | why it is bad |", "|---|---|", *rows]) if rows else "(none)"


def _write_window(spark: SparkSession, lines: Iterator[KeyMessage], path: str) -> LineStats:
    """Copies ``lines`` into Parquet at ``path`` chunk by chunk, replacing what a failed run left; counts them.

    The first chunk (possibly empty, so that the folder always has a schema) overwrites, the rest append, so
    the driver never holds more than ``CHUNK_LINES`` lines. A chunk goes to Spark as one Arrow table: a
    third cheaper than a list of tuples, which Spark pickles row by row.
    """
    counter = BadLineCounter()
    count, erasures, mode = 0, 0, "overwrite"
    while True:
        keys: list[str | None] = []
        values: list[str] = []
        for message in islice(lines, CHUNK_LINES):
            keys.append(message.key)
            values.append(message.message)
            if message.key == ERASE_INPUT_KEY:
                erasures += 1
            else:
                counter.parse(message.message)
        if values or mode == "overwrite":
            chunk = pa.table({"key": pa.array(keys, pa.string()), "value": pa.array(values, pa.string())})
            spark.createDataFrame(chunk, LINES_SCHEMA).write.mode(mode).parquet(path)
        count, mode = count + len(values), "append"
        if len(values) < CHUNK_LINES:
            return LineStats(count, counter.count, list(counter.samples), erasures)


def read_line_stats(storage: HadoopStorage, name: str) -> LineStats | None:
    """The stats stored with a window; None for windows stored before stats were kept."""
    if not storage.exists(f"{name}/{LINE_STATS_FILE}"):
        return None
    return LineStats.from_json(storage.read_text(f"{name}/{LINE_STATS_FILE}"))


def _stored_range(storage: HadoopStorage, name: str) -> OffsetRange | None:
    """The recorded range of a complete window folder; None if absent or left half-written by a failed run."""
    if not window_is_complete(storage, name):
        return None
    return OffsetRange.from_json(storage.read_text(f"{name}/{OFFSETS_FILE}"))


def _previous_window(storage: HadoopStorage, timestamp_ms: int, topic: str) -> OffsetRange | None:
    """The range of the newest complete window before this generation, if it came from ``topic``."""
    earlier = sorted(
        (ts, name) for name in storage.child_dirs() if (ts := window_timestamp(name)) is not None and ts < timestamp_ms
    )
    for _, name in reversed(earlier):
        stored = _stored_range(storage, name)
        if stored is not None:
            return stored if stored.topic == topic else None
    return None


def _commit_previous_window(reader: InputTopicReader, previous: OffsetRange | None) -> bool:
    """Finishes a previous generation that stored its window but stopped before committing its offsets."""
    to_commit = None if previous is None else offsets_to_commit(previous, reader.committed_offsets())
    if to_commit is None:
        return False
    reader.commit(to_commit)
    return True


def _current_range(reader: InputTopicReader, topic: str) -> OffsetRange:
    end = reader.end_offsets()
    committed = reader.committed_offsets()
    return OffsetRange(topic, {p: committed.get(p, 0) for p in end}, end)


def _metadata(
    window: OffsetRange, path: str | None, rows: int, stats: LineStats | None, reused: bool, committed: bool
) -> dict:
    stats = stats or LineStats(rows)
    return {
        "rows": rows,
        "bad_lines": stats.bad_lines,
        "bad_line_ratio": MetadataValue.float(stats.bad_line_ratio),
        "bad_line_samples": MetadataValue.md(stats.samples_markdown()),
        "window_path": MetadataValue.path(path) if path else "(no new input: nothing stored)",
        "offsets": MetadataValue.md(window.markdown()),
        "topic": window.topic,
        "reused_stored_window": reused,
        "offsets_committed": committed,
    }


@asset(
    partitions_def=generations,
    kinds={"kafka", "spark", "parquet"},
    group_name="lambda_",
    io_manager_key="generation_io_manager",
    metadata=stored_as(Storage.WINDOW),
)
def input_window(
    context: AssetExecutionContext,
    batch: BatchAppResource,
    kafka: KafkaResource,
    spark: LazyPySparkResource,
) -> Output[DataFrame | None]:
    """This generation's new input lines ``(key, value)``, stored in its window folder; None when none arrived."""
    timestamp = generation_timestamp(context.partition_key)
    data_dir = batch.settings.data_dir
    name = window_name(timestamp)
    path = child_uri(data_dir, name)
    session = spark.spark_session
    storage = HadoopStorage(session, data_dir)
    reader = kafka.input_reader()
    try:
        stored = _stored_range(storage, name)
        if stored is not None:
            to_commit = offsets_to_commit(stored, reader.committed_offsets())
            if to_commit is not None:
                reader.commit(to_commit)
            context.log.info(f"reusing the stored window {path} ({stored.topic})")
            stats = read_line_stats(storage, name)
            rows = stats.lines if stats is not None else read_window(session, path).count()
            return Output(
                read_window(session, path), metadata=_metadata(stored, path, rows, stats, True, to_commit is not None)
            )
        topic = kafka.topics.input_topic
        if _commit_previous_window(reader, _previous_window(storage, timestamp, topic)):
            context.log.warning("committed the offsets of the previous window, whose run stopped before doing so")
        window = _current_range(reader, topic)
        if window.is_empty():
            context.log.info("No data in current generation's window")
            return Output(None, metadata=_metadata(window, None, 0, None, False, False))
        stats = _write_window(session, reader.read_range(window.start, window.end), path)
        if stats.bad_lines:
            context.log.warning(f"{stats.bad_lines} of {stats.lines} new lines are not valid CSV / JSON arrays")
        storage.write_text(f"{name}/{LINE_STATS_FILE}", stats.to_json())
        # The offsets file marks the window complete, so it is written last (see window_is_complete).
        storage.write_text(f"{name}/{OFFSETS_FILE}", window.to_json())
        reader.commit(window.end)
    finally:
        reader.close()
    return Output(read_window(session, path), metadata=_metadata(window, path, stats.lines, stats, False, True))
