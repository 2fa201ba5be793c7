"""The pure parts of the k-means and RDF demos: which flowers they show, the points they add, the rows they ask."""

from __future__ import annotations

from pathlib import Path

import pytest

from oryx_cli.demos.datasets import iris_csv_path, typical_flowers
from oryx_cli.demos.kmeans.demo import check_schema, nudged, species_names
from oryx_cli.demos.rdf.demo import demo_schema, target_of, with_target, without_target
from oryx_core.config import ConfigError, load_config

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORYX_STATE_DIR", str(tmp_path))  # the example confs name ${ORYX_STATE_DIR}


def test_typical_flower_is_the_one_nearest_its_species_mean_not_the_first() -> None:
    lines = ["9.0,9.0,9.0,9.0,a", "1.0,1.0,1.0,1.0,a", "1.2,1.0,1.0,1.0,a", "5.0,5.0,5.0,5.0,b"]
    # species a's mean is (3.73, 3.67, 3.67, 3.67): 1.2,... is nearer than the outlier listed first
    assert typical_flowers(lines) == {"a": "1.2,1.0,1.0,1.0,a", "b": "5.0,5.0,5.0,5.0,b"}


def test_typical_flowers_keep_the_species_in_first_seen_order() -> None:
    lines = ["1,1,1,1,virginica", "2,2,2,2,setosa", "3,3,3,3,versicolor"]
    assert list(typical_flowers(lines)) == ["virginica", "setosa", "versicolor"]


def test_species_names_come_from_the_bundled_iris_header_in_label_order() -> None:
    assert species_names(iris_csv_path()) == ["setosa", "versicolor", "virginica"]


def test_nudged_points_surround_the_flower_so_their_mean_is_the_flower() -> None:
    points = nudged("5.0,3.4,1.5,0.2,0")
    assert points == [
        "5.0,3.4,1.5,0.2,0",
        "5.1,3.4,1.5,0.2,0",
        "4.9,3.4,1.5,0.2,0",
        "5.0,3.5,1.5,0.2,0",
        "5.0,3.3,1.5,0.2,0",
    ]


def test_kmeans_demo_accepts_the_example_conf_and_names_the_schema_key_otherwise() -> None:
    check_schema(load_config(REPO / "conf" / "kmeans-example.conf"))
    other = load_config(REPO / "conf" / "kmeans-example.conf", ['oryx.input-schema.feature-names=["a","b","species"]'])
    with pytest.raises(ConfigError, match="feature-names.*Iris"):
        check_schema(other)


def test_rdf_demo_kind_follows_the_target_classification_for_a_categorical_one() -> None:
    schema = demo_schema(load_config(REPO / "conf" / "rdf-classification-example.conf"))
    assert schema.is_classification and schema.target == "species"


def test_rdf_demo_kind_follows_the_target_regression_for_a_numeric_one() -> None:
    schema = demo_schema(load_config(REPO / "conf" / "rdf-regression-example.conf"))
    assert not schema.is_classification and schema.target == "progression"


def test_rdf_demo_refuses_a_schema_its_data_sets_do_not_fit() -> None:
    # the Iris columns with a numeric target would be regression, for which the demo sends diabetes lines
    numeric_target = ["oryx.input-schema.categorical-features=[]"]
    config = load_config(REPO / "conf" / "rdf-classification-example.conf", numeric_target)
    with pytest.raises(ConfigError, match="regression demo sends lines.*progression"):
        demo_schema(config)


def test_rdf_datum_rewrites_only_the_target_field() -> None:
    schema = demo_schema(load_config(REPO / "conf" / "rdf-classification-example.conf"))
    line = "6.1,2.8,4.0,1.3,versicolor"
    assert without_target(line, schema) == "6.1,2.8,4.0,1.3,"
    assert with_target(line, schema, "virginica") == "6.1,2.8,4.0,1.3,virginica"
    assert target_of(line, schema) == "versicolor"
