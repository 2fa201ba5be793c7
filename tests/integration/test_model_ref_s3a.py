"""An s3a:// model-dir end to end: Spark writes the model through hadoop-aws, serving and speed read the MODEL-REF.

A local S3 server (moto's server mode) holds the bucket. One k-means generation runs through Dagster with data-dir
and model-dir on ``s3a://`` and a message size limit below the model's, so the batch layer publishes a
``MODEL-REF``. The real serving layer (gunicorn, its own process, no Spark) and the speed layer's model manager
(behind its real update-topic follower) then load the model from S3 with nothing but the ``spark.hadoop.fs.s3a.*``
keys the batch layer was given, and answer from it; forged or dangling references are logged and change nothing.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from batch_support import batch_overrides, materialize_generation, produce, update_messages
from conftest import ServingProcess
from dagster import DagsterInstance
from speed_support import update_consumer
from support.s3_server import LocalS3, local_s3
from support.waiting import wait_for

from oryx_assets.resources import OryxConfigResource
from oryx_core.apps.kmeans.clusters import KMeansModel
from oryx_core.apps.kmeans.pmml import build_kmeans_pmml, read_kmeans_pmml
from oryx_core.apps.kmeans.points import kmeans_schema
from oryx_core.config import OryxConfig
from oryx_core.ml.pmml import read_pmml, write_pmml
from oryx_core.topics.admin import TopicAdmin
from oryx_core.topics.follower import UpdateFollower
from oryx_core.topics.messages import MODEL_REF
from oryx_core.topics.producer import TopicProducer
from oryx_streaming.apps.kmeans import KMeansSpeedModelManager

REPO = Path(__file__).resolve().parents[2]
BUCKET = "oryx-models"
GENERATION = 1_700_000_000_000
MODEL_KEY = f"model/{GENERATION}/model.pmml"
OFFSETS = (-1.0, 0.0, 1.0)
# Two clusters of nine points, centred exactly on (0, 0) and (10, 10).
POINTS = [(x + dx, y + dy) for x, y in ((0.0, 0.0), (10.0, 10.0)) for dx in OFFSETS for dy in OFFSETS]
JSON = {"Accept": "application/json"}


@dataclass
class Pipeline:
    s3: LocalS3
    config: OryxConfig
    overrides: list[str]
    messages: list[tuple[str | None, str]]


def s3a_overrides(brokers: str, topics: tuple[str, str], tmp: Path, s3: LocalS3) -> list[str]:
    return [
        *batch_overrides(brokers, topics, tmp, "com.cloudera.oryx.app.batch.mllib.kmeans.KMeansUpdate"),
        f"oryx.batch.storage.data-dir=s3a://{BUCKET}/data/",
        f"oryx.batch.storage.model-dir=s3a://{BUCKET}/model/",
        *s3.config_overrides(),
        # Far below the model's PMML, so it must go as a MODEL-REF.
        "oryx.update-topic.message.max-size=512",
        'oryx.input-schema.feature-names=["x","y"]',
        "oryx.input-schema.categorical-features=[]",
        "oryx.kmeans.hyperparams.k=2",
        "oryx.ml.eval.test-fraction=0",
        "oryx.ml.eval.candidates=1",
        "oryx.serving.model-manager-class=com.cloudera.oryx.app.serving.kmeans.model.KMeansServingModelManager",
        "oryx.serving.application-resources=com.cloudera.oryx.app.serving,com.cloudera.oryx.app.serving.clustering,"
        "com.cloudera.oryx.app.serving.kmeans",
        "oryx.serving.api.workers=1",
    ]


def require_s3a_class_path() -> None:
    """Hadoop's S3A jars must be on the driver's class path, fixed when this process's first JVM started."""
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    if gateway is None:
        return  # the batch session below starts the JVM, with the jars (oryx_core.spark adds them)
    class_path = str(gateway.jvm.java.lang.System.getProperty("java.class.path"))
    if "hadoop-aws-" not in class_path:
        pytest.fail(
            "Spark started in this pytest process before Hadoop's S3A jars were fetched, so they are not on its "
            "class path; run `infra/spark/connector.sh s3a` once before pytest (infra/test.sh does)"
        )


@pytest.fixture(scope="module")
def pipeline(kafka_brokers: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    from pyspark.sql import SparkSession

    if (fetched := fetch_s3a_jars()).returncode != 0:
        pytest.fail(f"could not fetch Hadoop's S3A jars:\n{fetched.stderr}")
    require_s3a_class_path()
    suffix = uuid.uuid4().hex[:10]
    topics = (f"OryxInput-s3a-{suffix}", f"OryxUpdate-s3a-{suffix}")
    TopicAdmin(kafka_brokers).create_oryx_topics(*topics)
    with local_s3(BUCKET, "other-bucket") as s3:
        overrides = s3a_overrides(kafka_brokers, topics, tmp_path_factory.mktemp("s3a"), s3)
        oryx = OryxConfigResource(overrides=overrides)
        produce(oryx, [f"{x},{y}" for x, y in POINTS])
        try:
            materialize_generation(oryx, DagsterInstance.ephemeral(), GENERATION)
        finally:
            session = SparkSession.getActiveSession()
            if session is not None:
                session.stop()  # the next module's session needs its own settings
        messages = [(m.key, m.message) for m in update_messages(oryx, 1)]
        yield Pipeline(s3, oryx.load(), overrides, messages)


def fetch_s3a_jars() -> subprocess.CompletedProcess[str]:
    """``connector.sh s3a``: instant when infra/test.sh (or an earlier run) already fetched the jars."""
    command = ["bash", str(REPO / "infra" / "spark" / "connector.sh"), "s3a"]
    return subprocess.run(command, text=True, capture_output=True, check=False)


def stored_model(pipeline: Pipeline) -> KMeansModel:
    """The published model as boto3 reads it from the bucket: the test's own view, not the reader under test."""
    text = pipeline.s3.get_text(BUCKET, MODEL_KEY)
    return read_kmeans_pmml(read_pmml(text), kmeans_schema(pipeline.config))


def cluster_at(model: KMeansModel, x: float, y: float) -> int:
    [index] = [i for i, center in enumerate(model.centers.tolist()) if center == [x, y]]
    return model.ids[index]


@pytest.fixture
def serving(pipeline: Pipeline, start_serving: Callable[..., ServingProcess]) -> ServingProcess:
    server = start_serving(*pipeline.overrides)
    wait_for(lambda: requests.get(f"{server.base_url}/ready", timeout=5).status_code == 200, 60, "serving ready")
    return server


def publish(pipeline: Pipeline, key: str, message: str) -> None:
    config = pipeline.config
    brokers = config.get_string("oryx.update-topic.broker")
    with TopicProducer(brokers, config.get_string("oryx.update-topic.message.topic")) as producer:
        producer.send_sync(key, message)


def test_the_batch_layer_writes_its_model_and_data_to_s3_and_publishes_a_model_ref(pipeline: Pipeline) -> None:
    assert pipeline.messages == [(MODEL_REF, f"s3a://{BUCKET}/{MODEL_KEY}")]
    assert len(pipeline.s3.get_text(BUCKET, MODEL_KEY).encode()) > 512
    model = stored_model(pipeline)
    assert sorted(model.centers.tolist()) == [[0.0, 0.0], [10.0, 10.0]]
    assert model.counts.tolist() == [9, 9]
    data = [key for key in pipeline.s3.keys(BUCKET, "data/") if key.endswith(".parquet")]
    assert data, "the generation's input is stored under the s3a:// data-dir"


def test_serving_loads_the_model_ref_from_s3_and_answers_from_it(pipeline: Pipeline, serving: ServingProcess) -> None:
    model = stored_model(pipeline)
    near_origin = requests.get(f"{serving.base_url}/assign/0.5,-0.5", headers=JSON, timeout=10)
    near_ten = requests.get(f"{serving.base_url}/assign/9,11", headers=JSON, timeout=10)
    distance = requests.get(f"{serving.base_url}/distanceToNearest/13,14", headers=JSON, timeout=10)
    assert (near_origin.status_code, near_origin.json()) == (200, cluster_at(model, 0.0, 0.0))
    assert (near_ten.status_code, near_ten.json()) == (200, cluster_at(model, 10.0, 10.0))
    assert distance.json() == 5.0
    assert "Skipping update-topic message" not in serving.output()


def test_forged_and_dangling_model_refs_are_logged_and_the_served_model_stays(
    pipeline: Pipeline, serving: ServingProcess
) -> None:
    # A valid model with other centers waits at each forged location: reading one would move the clusters.
    forged = write_pmml(build_kmeans_pmml(kmeans_schema(pipeline.config), KMeansModel.of([[50.0, 50.0]], [1])))
    pipeline.s3.put_text(BUCKET, "secrets/model.pmml", forged)
    pipeline.s3.put_text("other-bucket", f"model/{GENERATION}/model.pmml", forged)
    outside = "is outside the model directory 's3a://oryx-models/model/'"
    expected = {
        f"s3a://{BUCKET}/secrets/model.pmml": f"{outside} (it resolves to 's3a://{BUCKET}/secrets/model.pmml')",
        f"s3a://{BUCKET}/model/../secrets/model.pmml": f"{outside} (it resolves to 's3a://{BUCKET}/secrets/model.pmml')",
        f"s3a://other-bucket/{MODEL_KEY}": f"{outside} (it resolves to 's3a://other-bucket/{MODEL_KEY}')",
        f"s3://{BUCKET}/{MODEL_KEY}": f"{outside}: it is on another file system (s3, not s3a)",
        f"s3a://{BUCKET}/model/1/model.pmml": "names no file",
    }
    for reference in expected:
        publish(pipeline, MODEL_REF, reference)
    for reference, reason in expected.items():
        wait_for(lambda r=reference, w=reason: f"MODEL-REF {r!r} {w}" in serving.output(), 30, f"{reference} logged")
    assert serving.output().count("Skipping update-topic message with key 'MODEL-REF'") == len(expected)
    answer = requests.get(f"{serving.base_url}/distanceToNearest/10,10", headers=JSON, timeout=10)
    assert (answer.status_code, answer.json()) == (200, 0.0)


def test_the_speed_layers_model_manager_loads_the_model_ref_from_s3(pipeline: Pipeline) -> None:
    manager = KMeansSpeedModelManager(pipeline.config)
    follower = UpdateFollower(
        manager, update_consumer(pipeline.config, "OryxGroup-Test-S3A"), thread_name="s3a-speed", poll_timeout=0.2
    )
    follower.start()
    try:
        assert follower.wait_until_loaded(60)
        wait_for(lambda: manager.model() is not None, 30, "the speed model to load")
    finally:
        follower.stop()
    loaded = manager.model()
    assert loaded is not None
    assert sorted(loaded.centers.tolist()) == sorted(stored_model(pipeline).centers.tolist())
    assert loaded.counts.tolist() == [9, 9]
