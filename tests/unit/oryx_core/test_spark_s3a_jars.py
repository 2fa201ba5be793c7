"""The batch session gets Hadoop's S3A connector exactly when its data or models live on s3a://."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from oryx_core.config import load_config
from oryx_core.spark import CONNECTOR_ARTIFACTS, SparkSetupError, pyspark_hadoop_version, s3a_jars, spark_settings

S3A_JARS = ("hadoop-aws-3.5.0.jar", "bundle-2.35.4.jar", "analyticsaccelerator-s3-1.3.1.jar")


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A state folder holding (empty) Kafka connector and S3A jars."""
    jars = tmp_path / "spark" / "jars"
    jars.mkdir(parents=True)
    for artifact in CONNECTOR_ARTIFACTS:
        (jars / f"{artifact}-0.jar").touch()
    s3a = tmp_path / "spark" / "s3a-jars"
    s3a.mkdir()
    for name in S3A_JARS:
        (s3a / name).touch()
    monkeypatch.setenv("ORYX_STATE_DIR", str(tmp_path))
    return tmp_path


def settings_for(*overrides: str, layer: str = "batch") -> dict[str, str]:
    return spark_settings(load_config(None, list(overrides)), layer, "test")


def test_the_pyspark_wheel_carries_hadoop_3_5_0_which_the_s3a_pom_matches() -> None:
    pom = (Path(__file__).parents[3] / "infra" / "spark" / "s3a" / "pom.xml").read_text()
    assert pyspark_hadoop_version() == "3.5.0"
    assert "<hadoop.version>3.5.0</hadoop.version>" in pom


def test_local_storage_adds_no_s3a_jars(state: Path) -> None:
    settings = settings_for("oryx.batch.streaming.master=local[2]")
    assert "hadoop-aws" not in settings["spark.jars"]
    assert "spark.driver.extraClassPath" not in settings


def test_an_s3a_model_dir_on_a_local_master_puts_the_jars_on_the_driver_class_path(state: Path) -> None:
    settings = settings_for(
        "oryx.batch.streaming.master=local[2]",
        "oryx.batch.storage.model-dir=s3a://models/oryx/model/",
        'oryx.batch.streaming.config."spark.driver.extraClassPath"="/opt/user.jar"',
    )
    folder = state / "spark" / "s3a-jars"
    expected = ["/opt/user.jar", *(str(folder / name) for name in sorted(S3A_JARS))]
    assert settings["spark.driver.extraClassPath"].split(os.pathsep) == expected
    assert "hadoop-aws" not in settings["spark.jars"]


def test_an_s3a_data_dir_on_a_cluster_ships_the_jars_to_executors(state: Path) -> None:
    settings = settings_for("oryx.batch.streaming.master=spark://h:7077", "oryx.batch.storage.data-dir=s3a://d/data/")
    shipped = settings["spark.jars"].split(",")
    assert [Path(jar).name for jar in shipped[-3:]] == sorted(S3A_JARS)
    assert "spark.driver.extraClassPath" not in settings


def test_the_speed_layer_reads_models_without_spark_so_gets_no_s3a_jars(state: Path) -> None:
    settings = settings_for("oryx.batch.storage.model-dir=s3a://models/oryx/model/", layer="speed")
    assert "hadoop-aws" not in settings["spark.jars"]
    assert "spark.driver.extraClassPath" not in settings


def test_missing_s3a_jars_name_the_command_that_fetches_them(tmp_path: Path) -> None:
    message = rf"but {tmp_path} has no hadoop-aws and no bundle jar; run `infra/spark/connector.sh s3a`"
    with pytest.raises(SparkSetupError, match=message):
        s3a_jars(tmp_path)


def test_hadoop_aws_must_match_the_hadoop_inside_pyspark(state: Path) -> None:
    message = r"hadoop-aws 3\.5\.0 in .* does not match the Hadoop 3\.4\.1 inside pyspark"
    with pytest.raises(SparkSetupError, match=message):
        s3a_jars(state / "spark" / "s3a-jars", hadoop_version="3.4.1")
