"""The demo data set is read in place from the installed scikit-learn and fits the demo config's schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from oryx_cli.demos.datasets import iris_csv_path
from oryx_cli.demos.kmeans.data import IRIS_COLUMNS, iris_lines
from oryx_core.classnames import instantiate
from oryx_core.config import load_config
from oryx_core.input.lines import parse_line
from oryx_core.input.schema import InputSchema

REPO = Path(__file__).resolve().parents[4]


def test_iris_is_read_from_the_sklearn_package_without_its_header() -> None:
    assert iris_csv_path().parts[-4:] == ("sklearn", "datasets", "data", "iris.csv")
    lines = iris_lines()
    assert len(lines) == 150
    assert lines[0] == "5.1,3.5,1.4,0.2,0"


@pytest.fixture(autouse=True)
def state_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The demo config puts data under ${ORYX_STATE_DIR}, which the ``oryx`` CLI always sets."""
    monkeypatch.setenv("ORYX_STATE_DIR", str(tmp_path))


def test_every_demo_line_parses_under_the_demo_config_schema() -> None:
    schema = InputSchema.from_config(load_config(REPO / "conf" / "kmeans-example.conf"), require_target=False)
    assert schema.names == IRIS_COLUMNS
    vectors = [schema.numeric_vector(parse_line(line)) for line in iris_lines()]
    assert len(vectors) == 150 and all(len(v) == 4 for v in vectors)


def test_demo_config_names_the_three_kmeans_layers_by_their_oryx_2_java_names() -> None:
    config = load_config(REPO / "conf" / "kmeans-example.conf")
    names = {
        key: type(instantiate(config.get_string(key), key, config)).__name__
        for key in ("oryx.batch.update-class", "oryx.speed.model-manager-class", "oryx.serving.model-manager-class")
    }
    assert names == {
        "oryx.batch.update-class": "KMeansUpdate",
        "oryx.speed.model-manager-class": "KMeansSpeedModelManager",
        "oryx.serving.model-manager-class": "KMeansServingModelManager",
    }
