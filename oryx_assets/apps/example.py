"""The word-count example's batch update: distinct co-occurring words per word, published as one JSON map.

The counting is Spark SQL over new plus past lines (``sql/apps/example/distinct_other_words.sql``); its rule
for what a word is must match ``oryx_core.apps.example.words``, which the speed and serving layers use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from oryx_assets.sql import run_sql
from oryx_core.apps.example.words import model_to_json
from oryx_core.topics.messages import MODEL

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from oryx_core.config import OryxConfig
    from oryx_core.topics.producer import TopicProducer

WORD_SEPARATOR = r"(?U)[\s\x1c-\x1f]+"
"""Java regex for the characters Python's ``str.split()`` treats as whitespace: Unicode White_Space plus
the four ASCII information separators (U+001C..U+001F), which Python also splits on."""


def distinct_other_word_counts(spark: SparkSession, lines: DataFrame) -> dict[str, int]:
    """Word -> number of distinct other words on a line with it, over the ``value`` column of ``lines``.

    The result has one entry per distinct word, so collecting it to the driver is bounded by the
    vocabulary, not by the number of lines.
    """
    counts = run_sql(
        spark,
        "apps/example/distinct_other_words.sql",
        args={"word_separator": WORD_SEPARATOR},
        lines=lines.select("value"),
    )
    return {row["word"]: int(row["others"]) for row in counts.collect()}


class ExampleBatchLayerUpdate:
    """Oryx 2's ``com.cloudera.oryx.example.batch.ExampleBatchLayerUpdate``."""

    def __init__(self, config: OryxConfig | None = None) -> None:
        self.config = config

    def run_update(
        self,
        spark: SparkSession,
        timestamp_ms: int,
        new_data: DataFrame,
        past_data: DataFrame | None,
        model_dir: str,
        producer: TopicProducer | None,
    ) -> dict[str, object]:
        lines = new_data.select("value")
        if past_data is not None:
            lines = lines.union(past_data.select("value"))
        counts = distinct_other_word_counts(spark, lines)
        if producer is not None:
            producer.send_sync(MODEL, model_to_json(counts))
        return {"words": len(counts)}
