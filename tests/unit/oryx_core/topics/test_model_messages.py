"""MODEL / MODEL-REF to model text and hardened PMML: no XXE, no entity bombs, no reading outside the model dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from oryx_core.config import load_config
from oryx_core.ml.pmml import PMMLError, UnsafePMMLError
from oryx_core.topics.model_messages import model_dir_of, model_pmml, model_text

PMML = '<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/></PMML>'
XXE = (
    '<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<PMML version="4.4"><Header description="&xxe;"/></PMML>'
)
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + ']><PMML version="4.4"><Header description="&lol9;"/></PMML>'
)


def test_model_is_its_own_text() -> None:
    assert model_text("MODEL", PMML, None) == PMML


def test_model_pmml_parses_a_model_message() -> None:
    assert model_pmml("MODEL", PMML, None).tag == "{http://www.dmg.org/PMML-4_4}PMML"


def test_model_ref_reads_the_file_inside_the_model_dir(tmp_path: Path) -> None:
    (tmp_path / "1").mkdir()
    (tmp_path / "1" / "model.pmml").write_text(PMML)
    assert model_pmml("MODEL-REF", f"{tmp_path}/1/model.pmml\n", f"file://{tmp_path}/").tag.endswith("PMML")


def test_model_ref_outside_the_model_dir_is_refused(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "other.pmml").write_text(PMML)
    with pytest.raises(UnsafePMMLError):
        model_text("MODEL-REF", str(tmp_path / "other.pmml"), str(tmp_path / "models"))


def test_model_ref_through_a_symlink_out_of_the_model_dir_is_refused(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "other.pmml").write_text(PMML)
    (tmp_path / "models" / "link.pmml").symlink_to(tmp_path / "other.pmml")
    with pytest.raises(UnsafePMMLError):
        model_text("MODEL-REF", str(tmp_path / "models" / "link.pmml"), str(tmp_path / "models"))


def test_model_ref_without_a_model_dir_is_refused() -> None:
    with pytest.raises(PMMLError, match="oryx.batch.storage.model-dir"):
        model_text("MODEL-REF", "/tmp/x.pmml", None)


def test_a_non_model_key_is_refused() -> None:
    with pytest.raises(ValueError, match="'UP'"):
        model_text("UP", "a,1", None)


def test_xxe_is_rejected() -> None:
    with pytest.raises(UnsafePMMLError):
        model_pmml("MODEL", XXE, None)


def test_billion_laughs_is_rejected() -> None:
    with pytest.raises(UnsafePMMLError):
        model_pmml("MODEL", BILLION_LAUGHS, None)


def test_model_dir_of_carries_the_batch_layers_hadoop_settings() -> None:
    config = load_config(
        None,
        [
            "oryx.batch.storage.model-dir=s3a://models/oryx/model/",
            'oryx.batch.streaming.config."spark.hadoop.fs.s3a.endpoint"="http://127.0.0.1:9000"',
        ],
    )
    directory = model_dir_of(config)
    assert directory is not None
    assert directory.uri == "s3a://models/oryx/model/"
    assert directory.hadoop.values == {"fs.s3a.endpoint": "http://127.0.0.1:9000"}


def test_a_model_ref_on_another_file_system_than_the_model_dir_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsafePMMLError, match="another file system"):
        model_text("MODEL-REF", "s3a://models/oryx/model/1/model.pmml", f"file:{tmp_path}")
