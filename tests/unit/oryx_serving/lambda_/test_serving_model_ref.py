"""The serving follower with an s3a:// model-dir: a MODEL-REF is read from S3; a missing or forged one is logged,
skipped and never replaces the model being served (spec 2.3: a missing file is logged and ignored)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from support.s3_server import LocalS3, local_s3

EXAMPLE = [
    "oryx.serving.model-manager-class=com.cloudera.oryx.example.serving.ExampleServingModelManager",
    "oryx.serving.application-resources=com.cloudera.oryx.example.serving",
    "oryx.batch.storage.model-dir=s3a://models/oryx/model/",
]
Publish = Callable[[str, str], None]


@pytest.fixture(scope="module")
def s3() -> Iterator[LocalS3]:
    with local_s3("models", "elsewhere") as server:
        server.put_text("models", "oryx/model/1/model.json", json.dumps({"apple": 2}))
        server.put_text("models", "oryx/secrets/model.json", json.dumps({"secret": 1}))
        server.put_text("elsewhere", "oryx/model/2/model.json", json.dumps({"forged": 1}))
        yield server


@pytest.fixture
def s3_app(make_app: Callable[..., Flask], s3: LocalS3, publish: Publish, caught_up: Callable[[Flask], None]) -> Flask:
    """The example app following a MODEL-REF to ``s3a://models/oryx/model/1/model.json`` ({"apple": 2})."""
    app = make_app(*EXAMPLE, *s3.config_overrides())
    publish("MODEL-REF", "s3a://models/oryx/model/1/model.json")
    caught_up(app)
    return app


def test_a_model_ref_on_s3_is_loaded_and_served(s3_app: Flask) -> None:
    assert s3_app.test_client().get("/distinct", headers={"Accept": "application/json"}).get_json() == {"apple": 2}


@pytest.mark.parametrize(
    ("reference", "logged"),
    [
        ("s3a://models/oryx/model/9/model.json", "names no file"),
        ("s3a://models/oryx/secrets/model.json", "is outside the model directory"),
        ("s3a://elsewhere/oryx/model/2/model.json", "is outside the model directory"),
        ("s3a://models/oryx/model/../secrets/model.json", "is outside the model directory"),
        ("file:/etc/passwd", "on another file system"),
    ],
)
def test_a_bad_model_ref_is_logged_and_skipped_and_the_model_stays(
    s3_app: Flask,
    publish: Publish,
    caught_up: Callable[[Flask], None],
    caplog: pytest.LogCaptureFixture,
    reference: str,
    logged: str,
) -> None:
    follower = s3_app.extensions["oryx"].follower
    with caplog.at_level(logging.ERROR, logger="oryx_core.topics.follower"):
        publish("MODEL-REF", reference)
        caught_up(s3_app)
    assert (follower.failed, follower.models_applied) == (1, 1)
    [record] = [r for r in caplog.records if r.name == "oryx_core.topics.follower"]
    assert record.getMessage() == "Skipping update-topic message with key 'MODEL-REF' that could not be applied"
    assert record.exc_info is not None and logged in str(record.exc_info[1])
    assert s3_app.test_client().get("/distinct", headers={"Accept": "application/json"}).get_json() == {"apple": 2}
