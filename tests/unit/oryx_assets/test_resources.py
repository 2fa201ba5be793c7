"""Resources read one configuration; the Kafka group and Spark settings follow Oryx 2's naming."""

from __future__ import annotations

from pathlib import Path

import pytest

from oryx_assets.resources import OryxConfigResource, batch_group_id, batch_spark_resource
from oryx_core.config import load_config
from oryx_core.spark import CONNECTOR_ARTIFACTS


def test_config_file_defaults_to_oryx_conf_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = tmp_path / "oryx.conf"
    conf.write_text('oryx.id = "from-env"\n')
    monkeypatch.setenv("ORYX_CONF", str(conf))

    assert OryxConfigResource().load().get_string("oryx.id") == "from-env"


def test_overrides_win_over_the_config_file(tmp_path: Path) -> None:
    conf = tmp_path / "oryx.conf"
    conf.write_text('oryx.id = "file"\n')

    oryx = OryxConfigResource(conf_file=str(conf), overrides=["oryx.id=override"])

    assert oryx.load().get_string("oryx.id") == "override"


def test_group_is_named_after_the_oryx_id() -> None:
    assert batch_group_id(load_config(None, ["oryx.id=demo"])) == "OryxGroup-BatchLayer-demo"


def test_group_without_id_is_stable_per_data_dir() -> None:
    first = batch_group_id(load_config(None, ["oryx.batch.storage.data-dir=file:/a/"]))
    again = batch_group_id(load_config(None, ["oryx.batch.storage.data-dir=file:/a/"]))
    other = batch_group_id(load_config(None, ["oryx.batch.storage.data-dir=file:/b/"]))

    assert first == again != other
    assert first.startswith("OryxGroup-BatchLayer-data-")


def test_spark_resource_takes_the_batch_streaming_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    jars = tmp_path / "spark" / "jars"
    jars.mkdir(parents=True)
    for artifact in CONNECTOR_ARTIFACTS:
        (jars / f"{artifact}-0.jar").touch()
    monkeypatch.setenv("ORYX_STATE_DIR", str(tmp_path))
    config = load_config(None, ["oryx.id=demo", "oryx.batch.streaming.master=local[2]"])

    settings = batch_spark_resource(config).spark_config

    assert settings["spark.master"] == "local[2]"
    assert settings["spark.app.name"] == "OryxBatchLayer-demo"
    assert all(f"{a}-0.jar" in settings["spark.jars"] for a in CONNECTOR_ARTIFACTS)
