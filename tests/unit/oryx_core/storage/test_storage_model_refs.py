"""MODEL-REF confinement and reading: only files strictly inside model-dir, on whichever store it is."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.s3_server import LocalS3, local_s3

from oryx_core.ml.pmml import PMMLError, UnsafePMMLError
from oryx_core.storage import model_refs
from oryx_core.storage.filesystems import HadoopSettings
from oryx_core.storage.model_refs import ModelDirectory
from oryx_core.storage.uris import StorageURI

S3_MODEL_DIR = "s3a://models/oryx/model/"

# ---- local model directories ---------------------------------------------------------------------------


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "model"
    (directory / "1234").mkdir(parents=True)
    (directory / "1234" / "model.pmml").write_text("<PMML/>", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    return directory


def test_plain_path_inside_model_dir_is_read(model_dir: Path) -> None:
    assert ModelDirectory(str(model_dir)).read_text(str(model_dir / "1234" / "model.pmml")) == "<PMML/>"


def test_file_uri_inside_model_dir_is_read(model_dir: Path) -> None:
    target = model_dir / "1234" / "model.pmml"
    assert ModelDirectory(f"file:{model_dir}").read_text(f"file://{target}") == "<PMML/>"
    assert ModelDirectory(str(model_dir)).read_text(f"file:{target}") == "<PMML/>"


def test_relative_path_is_relative_to_model_dir(model_dir: Path) -> None:
    expected = StorageURI("file", "", str((model_dir / "1234" / "model.pmml").resolve()))
    assert ModelDirectory(str(model_dir)).confine("1234/model.pmml") == expected


def test_dot_dot_traversal_is_rejected(model_dir: Path) -> None:
    with pytest.raises(UnsafePMMLError, match="outside the model directory"):
        ModelDirectory(str(model_dir)).read_text(str(model_dir / "1234" / ".." / ".." / "secret.txt"))


def test_absolute_path_elsewhere_is_rejected(model_dir: Path) -> None:
    with pytest.raises(UnsafePMMLError, match="outside the model directory"):
        ModelDirectory(str(model_dir)).read_text("file:///etc/passwd")


def test_symlink_escaping_model_dir_is_rejected(model_dir: Path) -> None:
    link = model_dir / "1234" / "escape.pmml"
    os.symlink(model_dir.parent / "secret.txt", link)
    with pytest.raises(UnsafePMMLError, match="outside the model directory"):
        ModelDirectory(str(model_dir)).read_text(str(link))


def test_sibling_dir_sharing_the_prefix_is_rejected(model_dir: Path) -> None:
    sibling = model_dir.parent / "model-other"
    sibling.mkdir()
    (sibling / "model.pmml").write_text("<PMML/>", encoding="utf-8")
    with pytest.raises(UnsafePMMLError):
        ModelDirectory(str(model_dir)).confine(str(sibling / "model.pmml"))


def test_model_dir_itself_is_not_a_model_ref(model_dir: Path) -> None:
    with pytest.raises(UnsafePMMLError):
        ModelDirectory(str(model_dir)).confine(str(model_dir))


def test_missing_local_file_raises_file_not_found_naming_the_reference(model_dir: Path) -> None:
    missing = str(model_dir / "9999" / "model.pmml")
    with pytest.raises(FileNotFoundError, match=f"^MODEL-REF '{missing}' names no file .*The current model stays"):
        ModelDirectory(str(model_dir)).read_text(missing)


def test_file_uri_with_remote_host_is_refused(model_dir: Path) -> None:
    with pytest.raises(PMMLError, match="names host 'otherhost'"):
        ModelDirectory(str(model_dir)).confine("file://otherhost/data/model.pmml")


def test_a_remote_reference_is_refused_for_a_local_model_dir(model_dir: Path) -> None:
    with pytest.raises(UnsafePMMLError, match=r"on another file system \(s3a, not file\)"):
        ModelDirectory(f"file:{model_dir}").confine("s3a://models/1234/model.pmml")


# ---- s3a:// model directories: the guard ---------------------------------------------------------------


def test_an_s3a_reference_inside_model_dir_is_accepted() -> None:
    target = ModelDirectory(S3_MODEL_DIR).confine("s3a://models/oryx/model/1700000000000/model.pmml")
    assert target == StorageURI("s3a", "models", "/oryx/model/1700000000000/model.pmml")


def test_a_relative_reference_is_read_inside_the_s3a_model_dir() -> None:
    assert str(ModelDirectory(S3_MODEL_DIR).confine("17/model.pmml")) == "s3a://models/oryx/model/17/model.pmml"


def test_dot_segments_inside_the_model_dir_are_resolved_before_reading() -> None:
    target = ModelDirectory(S3_MODEL_DIR).confine("s3a://models/oryx/model/1/../2/./model.pmml")
    assert str(target) == "s3a://models/oryx/model/2/model.pmml"


@pytest.mark.parametrize(
    ("reference", "why"),
    [
        ("s3a://models/oryx/secrets/model.pmml", "a path outside"),
        ("s3a://models/oryx/model/../secrets/model.pmml", "dot-dot out of the model dir"),
        ("s3a://models/oryx/model/1/../../../x.pmml", "dot-dot past the bucket's root"),
        ("../secrets/model.pmml", "a relative dot-dot"),
        ("s3a://models/oryx/model-other/1/model.pmml", "a sibling sharing the prefix"),
        ("s3a://models/oryx/model/", "the model dir itself"),
        ("s3a://other-bucket/oryx/model/1/model.pmml", "another bucket"),
    ],
)
def test_an_s3a_reference_outside_model_dir_is_refused(reference: str, why: str) -> None:
    with pytest.raises(UnsafePMMLError, match="is outside the model directory 's3a://models/oryx/model/'"):
        ModelDirectory(S3_MODEL_DIR).confine(reference)


@pytest.mark.parametrize(
    ("reference", "scheme"),
    [
        ("s3://models/oryx/model/1/model.pmml", "s3"),
        ("s3n://models/oryx/model/1/model.pmml", "s3n"),
        ("hdfs://models/oryx/model/1/model.pmml", "hdfs"),
        ("file:/oryx/model/1/model.pmml", "file"),
        ("/oryx/model/1/model.pmml", "a local path"),
    ],
)
def test_an_s3a_model_dir_refuses_other_schemes(reference: str, scheme: str) -> None:
    with pytest.raises(UnsafePMMLError, match=rf"on another file system \({scheme}, not s3a\)"):
        ModelDirectory(S3_MODEL_DIR).confine(reference)


# ---- hdfs:// model directories: the guard (no HDFS here to read from) ----------------------------------


def test_an_hdfs_reference_on_the_same_name_node_is_accepted() -> None:
    target = ModelDirectory("hdfs://NameNode:8020/oryx/model").confine("hdfs://namenode:8020/oryx/model/1/m.pmml")
    assert target == StorageURI("hdfs", "namenode:8020", "/oryx/model/1/m.pmml")


def test_hdfs_name_nodes_must_match() -> None:
    with pytest.raises(UnsafePMMLError):
        ModelDirectory("hdfs://namenode:8020/oryx/model").confine("hdfs://evil:8020/oryx/model/1/m.pmml")
    with pytest.raises(UnsafePMMLError):
        ModelDirectory("hdfs://namenode:8020/oryx/model").confine("hdfs://namenode:9000/oryx/model/1/m.pmml")


def test_a_missing_hdfs_authority_is_fs_default_fs() -> None:
    directory = ModelDirectory("hdfs:///oryx/model", HadoopSettings({"fs.defaultFS": "hdfs://namenode:8020"}))
    assert directory.confine("hdfs://namenode:8020/oryx/model/1/m.pmml").authority == "namenode:8020"
    assert directory.confine("hdfs:///oryx/model/1/m.pmml").authority == "namenode:8020"
    with pytest.raises(UnsafePMMLError):
        directory.confine("hdfs://evil:8020/oryx/model/1/m.pmml")


def test_without_fs_default_fs_a_missing_authority_matches_only_a_missing_one() -> None:
    directory = ModelDirectory("hdfs:///oryx/model")
    assert directory.confine("hdfs:///oryx/model/1/m.pmml").authority == ""
    with pytest.raises(UnsafePMMLError):
        directory.confine("hdfs://namenode:8020/oryx/model/1/m.pmml")


# ---- s3a:// model directories: reading from a local S3 server ------------------------------------------


@pytest.fixture(scope="module")
def s3() -> Iterator[LocalS3]:
    with local_s3("models", "other-bucket") as server:
        server.put_text("models", "oryx/model/17/model.pmml", "<PMML>17</PMML>")
        server.put_text("models", "oryx/secrets/model.pmml", "<PMML>secret</PMML>")
        server.put_text("other-bucket", "oryx/model/17/model.pmml", "<PMML>other</PMML>")
        yield server


@pytest.fixture
def s3_model_dir(s3: LocalS3) -> ModelDirectory:
    return ModelDirectory(S3_MODEL_DIR, HadoopSettings(s3.hadoop_settings()))


def test_a_model_ref_is_read_from_s3(s3_model_dir: ModelDirectory) -> None:
    assert s3_model_dir.read_text("s3a://models/oryx/model/17/model.pmml\n") == "<PMML>17</PMML>"


def test_a_missing_s3_file_raises_file_not_found_naming_the_reference(s3_model_dir: ModelDirectory) -> None:
    with pytest.raises(FileNotFoundError, match=r"^MODEL-REF 's3a://models/oryx/model/18/model.pmml' names no file"):
        s3_model_dir.read_text("s3a://models/oryx/model/18/model.pmml")


@pytest.mark.parametrize(
    "reference", ["s3a://models/oryx/secrets/model.pmml", "s3a://other-bucket/oryx/model/17/model.pmml"]
)
def test_a_refused_reference_is_never_opened(
    s3_model_dir: ModelDirectory, monkeypatch: pytest.MonkeyPatch, reference: str
) -> None:
    opened: list[Any] = []
    monkeypatch.setattr(model_refs, "filesystem_for", lambda *args: opened.append(args))
    with pytest.raises(UnsafePMMLError):
        s3_model_dir.read_text(reference)
    assert opened == []


def test_an_unreachable_store_fails_with_an_os_error() -> None:
    unreachable = {"fs.s3a.endpoint": "http://127.0.0.1:1", "fs.s3a.access.key": "A", "fs.s3a.secret.key": "S"}
    settings = HadoopSettings({**unreachable, "fs.s3a.endpoint.region": "us-east-1"})
    with pytest.raises(OSError, match="NETWORK_CONNECTION"):
        ModelDirectory(S3_MODEL_DIR, settings).read_text("s3a://models/oryx/model/17/model.pmml")
