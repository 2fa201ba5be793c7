"""Hadoop-style URIs: split as Hadoop's Path splits them, normalised, and compared for "strictly inside"."""

from __future__ import annotations

import pytest

from oryx_core.storage.uris import StorageURI


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("s3a://models/oryx/model/1/model.pmml", ("s3a", "models", "/oryx/model/1/model.pmml")),
        ("S3A://models/m", ("s3a", "models", "/m")),
        ("s3a://models", ("s3a", "models", "/")),
        ("hdfs://namenode:8020/oryx/model/", ("hdfs", "namenode:8020", "/oryx/model")),
        ("hdfs:///oryx/model", ("hdfs", "", "/oryx/model")),
        ("file:/tmp/Oryx/model/", ("file", "", "/tmp/Oryx/model")),
        ("file:///tmp/Oryx/model", ("file", "", "/tmp/Oryx/model")),
        ("file://localhost/tmp/m", ("file", "localhost", "/tmp/m")),
        ("/tmp/Oryx/model", ("", "", "/tmp/Oryx/model")),
        ("1/model.pmml", ("", "", "1/model.pmml")),
        ("C:/models/m.pmml", ("", "", "C:/models/m.pmml")),
        ("s3a://b/k?x#y", ("s3a", "b", "/k?x#y")),
    ],
)
def test_parse_splits_scheme_authority_and_path(text: str, parts: tuple[str, str, str]) -> None:
    uri = StorageURI.parse(text)
    assert (uri.scheme, uri.authority, uri.path) == parts


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("s3a://b/model/1/../2/model.pmml", "/model/2/model.pmml"),
        ("s3a://b/model/../../../etc/passwd", "/etc/passwd"),
        ("s3a://b//model///1/./model.pmml", "/model/1/model.pmml"),
        ("//b/model", "/model"),
        ("../secret", "../secret"),
    ],
)
def test_dot_segments_and_doubled_slashes_are_removed_as_hadoop_does(text: str, path: str) -> None:
    assert StorageURI.parse(text).path == path


def test_str_prints_the_uri_back() -> None:
    assert str(StorageURI.parse("s3a://models/m/1/model.pmml")) == "s3a://models/m/1/model.pmml"
    assert str(StorageURI.parse("file:/tmp/m")) == "file:/tmp/m"
    assert str(StorageURI.parse("hdfs:///m")) == "hdfs:///m"


def test_a_relative_path_resolves_inside_the_folder() -> None:
    folder = StorageURI.parse("s3a://models/model/")
    assert folder.resolve(StorageURI.parse("1/model.pmml")) == StorageURI("s3a", "models", "/model/1/model.pmml")
    assert folder.resolve(StorageURI.parse("../other/x")) == StorageURI("s3a", "models", "/other/x")
    assert folder.resolve(StorageURI.parse("s3a://x/y")) == StorageURI("s3a", "x", "/y")


@pytest.mark.parametrize(
    ("inner", "inside"),
    [
        ("s3a://models/model/1/model.pmml", True),
        ("s3a://models/model/1", True),
        ("s3a://models/model", False),
        ("s3a://models/model/", False),
        ("s3a://models/model-other/1/model.pmml", False),
        ("s3a://models/modelx", False),
        ("s3a://other/model/1/model.pmml", False),
        ("s3://models/model/1/model.pmml", False),
        ("s3a://models/model/../secret", False),
    ],
)
def test_contains_means_strictly_below_on_the_same_file_system(inner: str, inside: bool) -> None:
    assert StorageURI.parse("s3a://models/model/").contains(StorageURI.parse(inner)) is inside


def test_host_names_compare_without_case() -> None:
    assert StorageURI.parse("hdfs://NameNode:8020/m").contains(StorageURI.parse("hdfs://namenode:8020/m/1"))
