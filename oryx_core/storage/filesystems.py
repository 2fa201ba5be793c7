"""A ``pyarrow.fs`` file system for a model file's URI, configured from the batch layer's Hadoop settings.

The batch layer writes models through Spark's Hadoop ``FileSystem``, configured by the ``spark.hadoop.*`` keys of
``oryx.batch.streaming.config`` (``spark.hadoop.fs.s3a.endpoint``, ``...access.key`` and so on). The speed and
serving layers read the same keys from the same place and translate them to ``pyarrow.fs`` options, so one block
of configuration serves all three layers:

* ``s3a://bucket/key``: ``pyarrow.fs.S3FileSystem`` (Arrow's own AWS SDK client, in the pyarrow wheel). Hadoop's
  per-bucket form ``fs.s3a.bucket.<bucket>.<option>`` overrides ``fs.s3a.<option>`` as it does in Hadoop. With no
  keys, the AWS default chain applies (``AWS_ACCESS_KEY_ID``..., ``~/.aws``, instance metadata), as in Hadoop.
* ``hdfs://namenode:port/path``: ``pyarrow.fs.HadoopFileSystem`` over libhdfs (needs a Hadoop installation on the
  machine: ``HADOOP_HOME`` or ``ARROW_LIBHDFS_DIR``, ``JAVA_HOME`` and ``CLASSPATH``); every ``spark.hadoop.*``
  key is passed on as Hadoop configuration.
* ``file:`` and plain paths: ``pyarrow.fs.LocalFileSystem``.

pyarrow is imported only when a reference is read, so a serving process that only ever gets ``MODEL`` messages
never loads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from oryx_core.config import OryxConfig
from oryx_core.storage.uris import StorageURI

if TYPE_CHECKING:
    from pyarrow.fs import FileSystem

__all__ = ["HADOOP_SETTINGS_SOURCE", "HadoopSettings", "filesystem_for", "hdfs_options", "s3_options"]

HADOOP_SETTINGS_SOURCE = "oryx.batch.streaming.config"
"""Where every layer finds the ``spark.hadoop.*`` keys of the model store (the batch layer writes with them)."""
_SPARK_HADOOP = "spark.hadoop."
_S3A = "fs.s3a."
_TRUE = frozenset({"true", "yes", "1"})


@dataclass(frozen=True)
class HadoopSettings:
    """Hadoop configuration keys (``fs.s3a.endpoint`` ...), as Spark hands ``spark.hadoop.*`` to Hadoop."""

    values: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: OryxConfig) -> HadoopSettings:
        spark = config.spark_conf("batch")
        return cls({k[len(_SPARK_HADOOP) :]: v for k, v in spark.items() if k.startswith(_SPARK_HADOOP)})

    def get(self, key: str) -> str | None:
        value = self.values.get(key)
        return value.strip() if value is not None and value.strip() else None

    def s3a(self, bucket: str, option: str) -> str | None:
        """``fs.s3a.bucket.<bucket>.<option>`` when set, else ``fs.s3a.<option>`` (Hadoop's per-bucket rule)."""
        return self.get(f"{_S3A}bucket.{bucket}.{option}") or self.get(_S3A + option)

    def default_fs(self) -> StorageURI | None:
        """``fs.defaultFS``, which fills a missing authority (``hdfs:///path``) as Hadoop does."""
        value = self.get("fs.defaultFS") or self.get("fs.default.name")
        return StorageURI.parse(value) if value else None


def _is_true(value: str | None, default: bool) -> bool:
    return default if value is None else value.lower() in _TRUE


def s3_options(bucket: str, settings: HadoopSettings) -> dict[str, Any]:
    """``pyarrow.fs.S3FileSystem`` keyword arguments equivalent to the S3A settings for ``bucket``.

    ``fs.s3a.endpoint`` may carry its scheme (``http://127.0.0.1:9000``); without one the scheme follows
    ``fs.s3a.connection.ssl.enabled`` (default true). ``fs.s3a.path.style.access`` (default false) keeps
    Hadoop's virtual-host addressing on a custom endpoint, where Arrow would use path style unless told.
    """

    def option(name: str) -> str | None:
        return settings.s3a(bucket, name)

    options: dict[str, Any] = {}
    access_key, secret_key = option("access.key"), option("secret.key")
    if access_key and secret_key:
        options.update(access_key=access_key, secret_key=secret_key)
        if token := option("session.token"):
            options["session_token"] = token
    elif "Anonymous" in (option("aws.credentials.provider") or ""):
        options["anonymous"] = True
    if region := option("endpoint.region"):
        options["region"] = region
    if endpoint := option("endpoint"):
        scheme, _, host = endpoint.rpartition("://")
        options["endpoint_override"] = host.rstrip("/")
        options["scheme"] = scheme.lower() or ("https" if _is_true(option("connection.ssl.enabled"), True) else "http")
        options["force_virtual_addressing"] = not _is_true(option("path.style.access"), False)
    return options


def hdfs_options(authority: str, settings: HadoopSettings) -> dict[str, Any]:
    """``pyarrow.fs.HadoopFileSystem`` keyword arguments for a name node ``authority`` (``host:port``).

    No authority means Hadoop's ``fs.defaultFS`` (host ``default``); a host without a port is an HA name
    service, which libhdfs resolves with port 0, as Arrow's own ``hdfs://`` URI parsing does.
    """
    options: dict[str, Any] = {"extra_conf": dict(settings.values)} if settings.values else {}
    if not authority:
        return {"host": "default", "port": 0, **options}
    user, _, host_port = authority.rpartition("@")
    host, colon, port = host_port.rpartition(":") if host_port.count(":") == 1 else (host_port, "", "")
    if colon and not port.isdigit():
        raise ValueError(f"hdfs URI authority {authority!r} has a port that is not a number")
    options.update(host=host, port=int(port) if colon else 0)
    if user:
        options["user"] = user
    return options


def filesystem_for(uri: StorageURI, settings: HadoopSettings) -> tuple[FileSystem, str]:
    """The file system holding ``uri`` and the path to hand it (``bucket/key`` for S3, the path otherwise).

    Raises ``ValueError`` for a scheme no layer can read, and ``OSError`` (a short one) when HDFS cannot be
    reached because libhdfs or its JVM is missing on this machine.
    """
    import pyarrow.fs as pafs

    if uri.is_local:
        return pafs.LocalFileSystem(), uri.path
    if uri.scheme == "s3a":
        return pafs.S3FileSystem(**s3_options(uri.authority, settings)), uri.authority + uri.path
    if uri.scheme == "hdfs":
        try:
            return pafs.HadoopFileSystem(**hdfs_options(uri.authority, settings)), uri.path
        except OSError as error:
            first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise OSError(
                f"cannot open {uri} through libhdfs (which needs a Hadoop installation on this machine: HADOOP_HOME "
                f"or ARROW_LIBHDFS_DIR, JAVA_HOME, CLASSPATH=$(hadoop classpath --glob)): {first_line}"
            ) from None
    raise ValueError(f"{uri} is on a file system the speed and serving layers cannot read; use file:, s3a: or hdfs:")
