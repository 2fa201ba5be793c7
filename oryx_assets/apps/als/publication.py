"""The ALS ``UP`` stream after a ``MODEL``: every item vector (Y), then every user vector (X) with its known items.

Items go first, as in Oryx 2, so that once a user's vector arrives the items it is scored against are there.
Rows are streamed from the model's ``X/`` and ``Y/`` files to the driver one partition at a time
(``toLocalIterator``) and sent as they come; nothing is collected whole. Payloads use the shared codec
(``oryx_core.apps.als.messages``) the speed and serving layers parse.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from oryx_assets.apps.als.factors import read_features
from oryx_assets.sql import run_sql
from oryx_core.apps.als.messages import format_x_update, format_y_update
from oryx_core.topics.messages import UP

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from oryx_core.apps.als.model_pmml import ALSModelDescription
    from oryx_core.topics.producer import TopicProducer


def known_items(spark: SparkSession, interactions: DataFrame) -> DataFrame:
    """``(user, known_items)`` rebuilt from all records: a pair is known when its latest record is not a delete."""
    return run_sql(spark, "apps/als/known_items.sql", interactions=interactions)


def item_updates(spark: SparkSession, model_dir: str, model: ALSModelDescription) -> Iterator[str]:
    for row in read_features(spark, model_dir, model.y_dir).toLocalIterator():
        yield format_y_update(row["id"], np.asarray(row["features"], dtype=np.float32))


def user_updates(
    spark: SparkSession, model_dir: str, model: ALSModelDescription, interactions: DataFrame | None
) -> Iterator[str]:
    """X payloads; with ``interactions`` (known items tracked) each carries the user's known items."""
    vectors = read_features(spark, model_dir, model.x_dir)
    if interactions is None:
        for row in vectors.toLocalIterator():
            yield format_x_update(row["id"], np.asarray(row["features"], dtype=np.float32))
        return
    rows = run_sql(spark, "apps/als/user_updates.sql", vectors=vectors, known=known_items(spark, interactions))
    for row in rows.toLocalIterator():
        yield format_x_update(row["id"], np.asarray(row["features"], dtype=np.float32), row["known_items"])


def send_vectors(
    spark: SparkSession,
    model_dir: str,
    model: ALSModelDescription,
    interactions: DataFrame | None,
    producer: TopicProducer,
) -> tuple[int, int]:
    """Sends all Y then all X updates; returns how many of each were sent."""
    items = users = 0
    for payload in item_updates(spark, model_dir, model):
        producer.send(UP, payload)
        items += 1
    for payload in user_updates(spark, model_dir, model, interactions):
        producer.send(UP, payload)
        users += 1
    return items, users
