"""Hadoop settings from oryx.batch.streaming.config become pyarrow.fs options: one config for all three layers."""

from __future__ import annotations

from pathlib import Path

import pyarrow.fs as pafs
import pytest

from oryx_core.config import load_config
from oryx_core.storage.filesystems import HadoopSettings, filesystem_for, hdfs_options, s3_options
from oryx_core.storage.uris import StorageURI


def test_settings_are_the_spark_hadoop_keys_of_the_batch_streaming_config() -> None:
    config = load_config(
        None,
        [
            'oryx.batch.streaming.config."spark.hadoop.fs.s3a.endpoint"="http://127.0.0.1:9000"',
            'oryx.batch.streaming.config."spark.hadoop.fs.s3a.path.style.access"=true',
            'oryx.batch.streaming.config."spark.sql.shuffle.partitions"=4',
            'oryx.speed.streaming.config."spark.hadoop.fs.s3a.endpoint"="http://speed-only:1"',
        ],
    )
    assert HadoopSettings.from_config(config).values == {
        "fs.s3a.endpoint": "http://127.0.0.1:9000",
        "fs.s3a.path.style.access": "true",
    }


def test_a_local_s3_server_with_path_style_access() -> None:
    settings = HadoopSettings(
        {
            "fs.s3a.endpoint": "http://127.0.0.1:9000/",
            "fs.s3a.endpoint.region": "eu-west-1",
            "fs.s3a.access.key": "AK",
            "fs.s3a.secret.key": "SK",
            "fs.s3a.path.style.access": "true",
        }
    )
    assert s3_options("models", settings) == {
        "access_key": "AK",
        "secret_key": "SK",
        "region": "eu-west-1",
        "endpoint_override": "127.0.0.1:9000",
        "scheme": "http",
        "force_virtual_addressing": False,
    }


def test_an_endpoint_without_scheme_follows_connection_ssl_enabled() -> None:
    plain = HadoopSettings({"fs.s3a.endpoint": "minio:9000", "fs.s3a.connection.ssl.enabled": "false"})
    secure = HadoopSettings({"fs.s3a.endpoint": "s3.eu-west-1.amazonaws.com"})
    assert s3_options("b", plain)["scheme"] == "http"
    assert s3_options("b", secure) == {
        "endpoint_override": "s3.eu-west-1.amazonaws.com",
        "scheme": "https",
        "force_virtual_addressing": True,
    }


def test_no_settings_leave_aws_defaults_to_the_aws_credential_chain() -> None:
    assert s3_options("models", HadoopSettings()) == {}


def test_per_bucket_settings_override_the_general_ones() -> None:
    settings = HadoopSettings(
        {
            "fs.s3a.endpoint": "http://general:1",
            "fs.s3a.bucket.models.endpoint": "http://models-only:2",
            "fs.s3a.access.key": "AK",
            "fs.s3a.secret.key": "SK",
            "fs.s3a.bucket.models.secret.key": "MODELS-SK",
        }
    )
    assert s3_options("models", settings)["endpoint_override"] == "models-only:2"
    assert s3_options("models", settings)["secret_key"] == "MODELS-SK"
    assert s3_options("data", settings)["endpoint_override"] == "general:1"
    assert s3_options("data", settings)["secret_key"] == "SK"


def test_a_session_token_goes_with_its_keys_and_an_anonymous_provider_means_anonymous() -> None:
    with_token = HadoopSettings({"fs.s3a.access.key": "A", "fs.s3a.secret.key": "S", "fs.s3a.session.token": "T"})
    anonymous = HadoopSettings(
        {"fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.AnonymousAWSCredentialsProvider"}
    )
    assert s3_options("b", with_token) == {"access_key": "A", "secret_key": "S", "session_token": "T"}
    assert s3_options("b", anonymous) == {"anonymous": True}


def test_an_access_key_without_its_secret_is_not_half_used() -> None:
    assert s3_options("b", HadoopSettings({"fs.s3a.access.key": "A", "fs.s3a.secret.key": " "})) == {}


@pytest.mark.parametrize(
    ("authority", "expected"),
    [
        ("namenode:8020", {"host": "namenode", "port": 8020}),
        ("nameservice1", {"host": "nameservice1", "port": 0}),
        ("", {"host": "default", "port": 0}),
        ("oryx@namenode:9000", {"host": "namenode", "port": 9000, "user": "oryx"}),
    ],
)
def test_hdfs_authority_becomes_libhdfs_host_and_port(authority: str, expected: dict[str, object]) -> None:
    assert hdfs_options(authority, HadoopSettings()) == expected


def test_hdfs_gets_every_hadoop_setting_as_extra_conf() -> None:
    settings = HadoopSettings({"dfs.client.use.datanode.hostname": "true"})
    assert hdfs_options("nn:8020", settings)["extra_conf"] == {"dfs.client.use.datanode.hostname": "true"}


def test_hdfs_port_must_be_a_number() -> None:
    with pytest.raises(ValueError, match="'nn:http'"):
        hdfs_options("nn:http", HadoopSettings())


def test_local_uris_use_the_local_file_system(tmp_path: Path) -> None:
    filesystem, path = filesystem_for(StorageURI.parse(f"file:{tmp_path}/m.pmml"), HadoopSettings())
    assert isinstance(filesystem, pafs.LocalFileSystem)
    assert path == f"{tmp_path}/m.pmml"


def test_s3a_uris_use_s3_with_bucket_and_key() -> None:
    settings = HadoopSettings({"fs.s3a.endpoint": "http://127.0.0.1:1", "fs.s3a.endpoint.region": "us-east-1"})
    filesystem, path = filesystem_for(StorageURI.parse("s3a://models/model/1/model.pmml"), settings)
    assert isinstance(filesystem, pafs.S3FileSystem)
    assert (filesystem.region, path) == ("us-east-1", "models/model/1/model.pmml")


def test_hdfs_without_a_reachable_hadoop_fails_with_a_short_message() -> None:
    # No Hadoop installation here (nor on CI): libhdfs cannot load. Where one exists, nothing listens on port 1.
    with pytest.raises(OSError, match=r"^cannot open hdfs://127\.0\.0\.1:1/m/1/model\.pmml through libhdfs") as error:
        filesystem_for(StorageURI.parse("hdfs://127.0.0.1:1/m/1/model.pmml"), HadoopSettings())
    assert "\n" not in str(error.value)


def test_other_schemes_are_refused_by_name() -> None:
    refused = "^gs://b/m is on a file system the speed and serving layers cannot read; use file:, s3a: or hdfs:$"
    with pytest.raises(ValueError, match=refused):
        filesystem_for(StorageURI.parse("gs://b/m"), HadoopSettings())
