"""Shared by the roll-back, erasure and bounded-state tests: two small ALS generations' input, and the settings of
the batch, speed and serving layers on one pair of fresh topics."""

from __future__ import annotations

from pathlib import Path

from batch_support import batch_overrides

from oryx_assets.resources import OryxConfigResource
from oryx_core.config import OryxConfig, load_config

FIRST, SECOND = 1_700_000_000_000, 1_700_000_060_000
FIRST_LINES = [
    f"{line},1000"
    for line in ("alice,apple,1", "alice,bread,2", "bob,apple,3", "bob,dates,1", "carol,bread,1", "dave,eggs,1")
]
SECOND_LINES = [f"{line},2000" for line in ("erin,figs,2", "erin,apple,1", "alice,figs,1", "dave,apple,1")]
FIRST_COUNT = 1 + 4 + 4  # MODEL, items, users
SECOND_COUNT = 1 + 5 + 5


def rollback_app(kafka_brokers: str, fresh_topics: tuple[str, str], tmp_path: Path) -> OryxConfigResource:
    return OryxConfigResource(
        overrides=[
            *batch_overrides(kafka_brokers, fresh_topics, tmp_path, "oryx_assets.apps.als.ALSUpdate"),
            "oryx.als.hyperparams.features=2",
            "oryx.ml.eval.candidates=1",
            "oryx.ml.eval.test-fraction=0",
        ]
    )


def als_speed_config(oryx: OryxConfigResource, tmp_path: Path) -> OryxConfig:
    """The ALS speed layer on the same topics, checkpointing under ``tmp_path``, one micro-batch a second."""
    return load_config(
        None,
        [
            *oryx.overrides,
            "oryx.speed.model-manager-class=com.cloudera.oryx.app.speed.als.ALSSpeedModelManager",
            f"oryx.speed.streaming.checkpoint-dir={tmp_path}/checkpoint",
            "oryx.speed.streaming.generation-interval-sec=1",
        ],
    )


def serving_config(oryx: OryxConfigResource) -> OryxConfig:
    config = oryx.load()
    return load_config(
        None,
        [
            f"oryx.input-topic.broker={config.get_string('oryx.input-topic.broker')}",
            f"oryx.input-topic.message.topic={config.get_string('oryx.input-topic.message.topic')}",
            f"oryx.update-topic.broker={config.get_string('oryx.update-topic.broker')}",
            f"oryx.update-topic.message.topic={config.get_string('oryx.update-topic.message.topic')}",
            "oryx.serving.model-manager-class=com.cloudera.oryx.app.serving.als.model.ALSServingModelManager",
            "oryx.serving.application-resources=com.cloudera.oryx.app.serving.als",
        ],
    )
