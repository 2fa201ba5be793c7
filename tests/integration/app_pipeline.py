"""One app's pipeline for its end-to-end tests: lines on fresh topics, one Dagster generation, serving loaded.

The k-means, RDF and linear tests each ran these same steps in their module fixture; they now differ only by the
config they pass and the lines they send.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from batch_support import asset_metadata, materialize_generation, produce, update_messages
from dagster import DagsterInstance
from flask import Flask
from flask.testing import FlaskClient
from support.waiting import wait_for

from oryx_assets.resources import OryxConfigResource
from oryx_core.config import OryxConfig
from oryx_core.topics.admin import TopicAdmin
from oryx_core.topics.messages import MODEL
from oryx_serving import create_app

GENERATION = 1_700_000_000_000


@dataclass
class AppPipeline:
    """What the tests read: the config, the generation's asset metadata, the published MODEL, the serving app."""

    oryx: OryxConfigResource
    config: OryxConfig
    metadata: dict[str, dict[str, Any]]
    model_text: str
    serving: Flask
    tmp: Path

    @property
    def client(self) -> FlaskClient:
        return self.serving.test_client()


@contextmanager
def app_pipeline(
    brokers: str,
    tmp: Path,
    name: str,
    overrides: Callable[[str, tuple[str, str], Path], list[str]],
    lines: list[str],
) -> Iterator[AppPipeline]:
    """``lines`` on new topics named after ``name``, one generation with ``overrides(brokers, topics, tmp)``,
    serving ready on its MODEL; serving closed and Spark stopped afterwards."""
    suffix = uuid.uuid4().hex[:10]
    topics = (f"OryxInput-{name}-{suffix}", f"OryxUpdate-{name}-{suffix}")
    TopicAdmin(brokers).create_oryx_topics(*topics)
    oryx = OryxConfigResource(overrides=overrides(brokers, topics, tmp))
    produce(oryx, lines)
    metadata = asset_metadata(materialize_generation(oryx, DagsterInstance.ephemeral(), GENERATION))
    [model] = [m for m in update_messages(oryx, 1) if m.key == MODEL]
    config = oryx.load()
    serving = create_app(config)
    client = serving.test_client()
    wait_for(lambda: client.get("/ready").status_code == 200, what="serving model loaded")
    try:
        yield AppPipeline(oryx, config, metadata, model.message, serving, tmp)
    finally:
        serving.extensions["oryx"].close()
        from pyspark.sql import SparkSession

        session = SparkSession.getActiveSession()
        if session is not None:
            session.stop()
