"""The example's Spark SQL counts exactly what the shared Python rule counts, and publishes it as MODEL."""

from __future__ import annotations

import sys

from pyspark.sql import DataFrame, SparkSession

from oryx_assets.apps.example import ExampleBatchLayerUpdate, distinct_other_word_counts
from oryx_core.apps.example.words import count_distinct_other_words, model_from_json
from oryx_core.topics.messages import MODEL

SAMPLE = [
    "the quick brown fox",
    "the lazy dog",
    "fox fox fox",
    "alone",
    "",
    "   padded   words  ",
    "tabs\tand\nnewlines",
    "no-break\u00a0space and\u3000ideographic space",
    "file\x1cseparator\x1fchars",
    "Case case CASE",
    "the dog",
]
# Every character Python splits words on, each between two words: the SQL must split on exactly these.
PYTHON_WHITESPACE = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
SAMPLE.append("".join(f"w{i}{sep}" for i, sep in enumerate(PYTHON_WHITESPACE)) + "\u200bzero-width-is-not-space")


def lines_frame(spark: SparkSession, lines: list[str]) -> DataFrame:
    return spark.createDataFrame([(None, line) for line in lines], "key string, value string")


class RecordingProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send_sync(self, key: str, message: str) -> None:
        self.sent.append((key, message))


def test_sql_counts_equal_the_python_rule(spark: SparkSession) -> None:
    assert distinct_other_word_counts(spark, lines_frame(spark, SAMPLE)) == count_distinct_other_words(SAMPLE)


def test_update_counts_new_and_past_lines_and_sends_one_model(spark: SparkSession) -> None:
    new, past = SAMPLE[:4], SAMPLE[4:]
    producer = RecordingProducer()

    result = ExampleBatchLayerUpdate().run_update(
        spark, 1, lines_frame(spark, new), lines_frame(spark, past), "file:/unused", producer
    )

    [(key, message)] = producer.sent
    assert key == MODEL
    assert model_from_json(message) == count_distinct_other_words(SAMPLE)
    assert result == {"words": len(count_distinct_other_words(SAMPLE))}


def test_update_without_past_data_or_producer_still_counts(spark: SparkSession) -> None:
    result = ExampleBatchLayerUpdate().run_update(spark, 1, lines_frame(spark, ["a b", "b c"]), None, "", None)

    assert result == {"words": 3}
