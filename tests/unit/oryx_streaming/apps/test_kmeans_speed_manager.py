"""KMeansSpeedModelManager: loads the PMML, ignores UP, moves centers by exact running means."""

from __future__ import annotations

from pathlib import Path

import pytest

from oryx_core.apps.kmeans.clusters import KMeansModel
from oryx_core.apps.kmeans.pmml import build_kmeans_pmml
from oryx_core.apps.kmeans.points import kmeans_schema
from oryx_core.config import ConfigError, OryxConfig, load_config
from oryx_core.ml.pmml import PMMLError, write_pmml
from oryx_streaming.apps.kmeans import KMeansSpeedModelManager

SCHEMA = [
    'oryx.input-schema.feature-names=["id", "x", "y"]',
    'oryx.input-schema.id-features=["id"]',
    "oryx.input-schema.categorical-features=[]",
]


def config(*extra: str) -> OryxConfig:
    return load_config(None, [*SCHEMA, *extra])


def model_text(centers: list[list[float]], counts: list[int], cfg: OryxConfig | None = None) -> str:
    return write_pmml(build_kmeans_pmml(kmeans_schema(cfg or config()), KMeansModel.of(centers, counts), 0))


@pytest.fixture
def manager() -> KMeansSpeedModelManager:
    loaded = KMeansSpeedModelManager(config())
    loaded.consume_key_message("MODEL", model_text([[0.0, 0.0], [20.0, 20.0]], [3, 1]))
    return loaded


def test_new_points_emit_exact_running_mean_updates(manager: KMeansSpeedModelManager) -> None:
    # Cluster 0: 3 points of mean (0, 0) + (4, 8) -> (1, 2) over 4. Cluster 1: (20, 20) + (12, 10) -> (16, 15).
    assert manager.update_with(["a,4,8", "b,12,10"]) == ["[0,[1.0,2.0],4]", "[1,[16.0,15.0],2]"]


def test_manager_keeps_its_own_copy_across_batches(manager: KMeansSpeedModelManager) -> None:
    manager.update_with(["a,4,8"])
    assert manager.update_with(["b,-4,-8"]) == ["[0,[0.0,0.0],5]"]


def test_up_messages_are_ignored(manager: KMeansSpeedModelManager) -> None:
    manager.consume_key_message("UP", "[0,[100.0,100.0],50]")
    model = manager.model()
    assert model is not None and model.centers.tolist() == [[0.0, 0.0], [20.0, 20.0]]


def test_bad_lines_are_skipped(manager: KMeansSpeedModelManager) -> None:
    assert manager.update_with(["a,4", "b,x,1", '["c", 1', None, "d,4,8"]) == ["[0,[1.0,2.0],4]"]


def test_no_model_means_no_updates() -> None:
    assert KMeansSpeedModelManager(config()).update_with(["a,1,1"]) == []


def test_model_of_another_schema_is_refused(manager: KMeansSpeedModelManager) -> None:
    other = config('oryx.input-schema.feature-names=["id", "x", "z"]')
    with pytest.raises(PMMLError):
        manager.consume_key_message("MODEL", model_text([[1.0, 1.0]], [1], other))


def test_model_ref_is_read_from_inside_the_model_dir(tmp_path: Path) -> None:
    (tmp_path / "123").mkdir()
    (tmp_path / "123" / "model.pmml").write_text(model_text([[5.0, 5.0]], [1]), "utf-8")
    manager = KMeansSpeedModelManager(config(f"oryx.batch.storage.model-dir=file:{tmp_path}/"))
    manager.consume_key_message("MODEL-REF", f"file:{tmp_path}/123/model.pmml")
    assert manager.update_with(["a,7,7"]) == ["[0,[6.0,6.0],2]"]


def test_categorical_feature_fails_at_start() -> None:
    with pytest.raises(ConfigError, match="numeric-features"):
        KMeansSpeedModelManager(config('oryx.input-schema.categorical-features=["x"]'))
