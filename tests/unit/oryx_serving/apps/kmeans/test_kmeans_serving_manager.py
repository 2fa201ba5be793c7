"""KMeansServingModelManager: MODEL replaces the model, UP before a model is skipped, foreign keys raise."""

from __future__ import annotations

from pathlib import Path

import pytest

from oryx_core.apps.kmeans.clusters import KMeansModel
from oryx_core.apps.kmeans.pmml import build_kmeans_pmml
from oryx_core.apps.kmeans.points import kmeans_schema
from oryx_core.config import load_config
from oryx_core.ml.pmml import UnsafePMMLError, write_pmml
from oryx_serving.apps.kmeans.manager import KMeansServingModelManager

SCHEMA = [
    'oryx.input-schema.feature-names=["x", "y"]',
    "oryx.input-schema.categorical-features=[]",
]
PMML = write_pmml(
    build_kmeans_pmml(kmeans_schema(load_config(None, SCHEMA)), KMeansModel.of([[0.0, 0.0], [4.0, 4.0]], [1, 1]), 0)
)


def manager(*extra: str) -> KMeansServingModelManager:
    return KMeansServingModelManager(load_config(None, [*SCHEMA, *extra]))


def test_up_before_any_model_is_skipped() -> None:
    m = manager()
    m.consume_key_message("UP", "[0,[1.0,1.0],3]")
    assert m.get_model() is None


def test_model_then_up_changes_only_that_cluster() -> None:
    m = manager()
    m.consume_key_message("MODEL", PMML)
    before = m.get_model()
    assert before is not None
    snapshot = before.clusters
    m.consume_key_message("UP", "[0,[1.0,1.0],3]")
    assert before.clusters.centers.tolist() == [[1.0, 1.0], [4.0, 4.0]]
    assert before.clusters.counts.tolist() == [3, 1]
    assert snapshot.centers.tolist() == [[0.0, 0.0], [4.0, 4.0]], "readers keep the snapshot they took"


def test_a_new_model_replaces_the_old_one() -> None:
    m = manager()
    m.consume_key_message("MODEL", PMML)
    first = m.get_model()
    m.consume_key_message("MODEL", PMML)
    assert m.get_model() is not first


def test_model_ref_outside_the_model_dir_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere.pmml").write_text(PMML, "utf-8")
    (tmp_path / "models").mkdir()
    m = manager(f"oryx.batch.storage.model-dir=file:{tmp_path}/models/")
    with pytest.raises(UnsafePMMLError):
        m.consume_key_message("MODEL-REF", f"file:{tmp_path}/elsewhere.pmml")


def test_unknown_key_raises() -> None:
    with pytest.raises(ValueError, match="cannot apply"):
        manager().consume_key_message("X", "")
