"""Configuration: Oryx 2's own example files (ALS, k-means, RDF, word count) load unchanged, with their values."""

from __future__ import annotations

from pathlib import Path

import pytest

from oryx_core.config import load_config

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = sorted(FIXTURES.glob("*-example.conf"))


@pytest.mark.parametrize("conf", EXAMPLES, ids=lambda p: p.name)
def test_example_config_loads_unchanged(conf: Path) -> None:
    config = load_config(conf)
    assert config.get_string("oryx.batch.storage.data-dir") == "hdfs:///user/example/Oryx/data/"
    assert config.get_string("oryx.batch.storage.model-dir") == "hdfs:///user/example/Oryx/model/"
    assert config.get_string("oryx.input-topic.broker") == "b03.example.com:9092,b04.example.com:9092"
    assert config.get_int("oryx.batch.ui.port") == 4040
    assert config.get_int("oryx.speed.ui.port") == 4041
    assert config.get_int("oryx.serving.api.port") == 8080
    assert config.get_string("oryx.batch.update-class").startswith("com.cloudera.oryx.")


def test_example_configs_were_all_found() -> None:
    assert {p.name for p in EXAMPLES} == {
        "als-example.conf",
        "kmeans-example.conf",
        "rdf-classification-example.conf",
        "wordcount-example.conf",
    }


def test_als_example_values() -> None:
    config = load_config(FIXTURES / "als-example.conf")
    assert config.get_string("oryx.id") == "ALSExample"
    assert config.get_int("oryx.batch.streaming.generation-interval-sec") == 300
    assert config.get_int("oryx.batch.streaming.num-executors") == 4
    assert config.get_int("oryx.batch.streaming.executor-cores") == 8
    assert config.get_string("oryx.batch.streaming.executor-memory") == "4g"
    assert config.get_string("oryx.batch.update-class") == "com.cloudera.oryx.app.batch.mllib.als.ALSUpdate"
    assert config.get_string("oryx.serving.application-resources") == (
        "com.cloudera.oryx.app.serving,com.cloudera.oryx.app.serving.als"
    )
    assert config.get_optional_string("oryx.als.rescorer-provider-class") is None
    assert config.get_string("oryx.batch.streaming.driver-memory") == "1g"


def test_kmeans_example_schema() -> None:
    config = load_config(FIXTURES / "kmeans-example.conf")
    assert config.get_int("oryx.input-schema.num-features") == 42
    assert config.get_list("oryx.input-schema.categorical-features") == []
    assert config.get_list("oryx.input-schema.ignored-features") == ["1", "2", "3", "41"]
    assert config.get_optional_list("oryx.input-schema.numeric-features") is None


def test_rdf_classification_example_schema() -> None:
    config = load_config(FIXTURES / "rdf-classification-example.conf")
    names = ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width", "Species"]
    assert config.get_list("oryx.input-schema.feature-names") == names
    assert config.get_list("oryx.input-schema.numeric-features") == names[:4]
    assert config.get_string("oryx.input-schema.target-feature") == "Species"


def test_wordcount_example_values() -> None:
    config = load_config(FIXTURES / "wordcount-example.conf")
    assert config.get_int("oryx.batch.streaming.generation-interval-sec") == 60
    assert config.get_int("oryx.batch.streaming.num-executors") == 1
    assert config.get_string("oryx.serving.memory") == "1000m"
    assert config.get_string("oryx.input-topic.lock.master") == "b01.example.com:2181,b02.example.com:2181/kafka"
