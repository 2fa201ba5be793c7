"""One SparkSession per process, configured from HOCON (``oryx.<layer>.streaming.*``).

This is the only ``oryx_core`` module that imports pyspark, and it imports it lazily, so the serving layer
never pays for it. The Kafka connector jars are resolved from Maven Central ahead of time by
``infra/spark/connector.sh`` into the state folder and handed to Spark through ``spark.jars``, so no job
downloads anything at run time.

A batch layer whose ``data-dir`` or ``model-dir`` is an ``s3a://`` URI also gets Hadoop's S3A connector
(``connector.sh s3a``: hadoop-aws matching the Hadoop inside pyspark, and its AWS SDK bundle). With a ``local``
master it goes on the driver's class path, which is the executors' too: through ``spark.jars`` Spark would copy
the 690 MB bundle into every new context's work folder (measured: 668 MB, 7 s for the first job).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from oryx_core.config import OryxConfig, state_dir
from oryx_core.storage.uris import StorageURI

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

CONNECTOR_ARTIFACTS = ("spark-sql-kafka-0-10_2.13", "spark-token-provider-kafka-0-10_2.13", "kafka-clients")
S3A_ARTIFACTS = ("hadoop-aws", "bundle")
_STORAGE_KEYS = ("oryx.batch.storage.data-dir", "oryx.batch.storage.model-dir")


class SparkSetupError(RuntimeError):
    """Spark cannot start as configured; the message says what to run or change."""


def connector_jars(jars_dir: Path | None = None) -> list[str]:
    """Jar paths of Spark's Kafka connector, failing with the install command when they are missing."""
    folder = jars_dir or state_dir() / "spark" / "jars"
    jars = sorted(str(p) for p in folder.glob("*.jar"))
    missing = [a for a in CONNECTOR_ARTIFACTS if not any(Path(j).name.startswith(a + "-") for j in jars)]
    if missing:
        raise SparkSetupError(
            f"Spark's Kafka connector jars are missing from {folder} ({', '.join(missing)}); "
            "run `infra/spark/connector.sh install` (or `oryx setup`) first"
        )
    return jars


def _jar_version(jars: list[str], artifact: str) -> str | None:
    names = (Path(jar).name for jar in jars)
    return next((n[len(artifact) + 1 : -len(".jar")] for n in names if n.startswith(artifact + "-")), None)


def pyspark_hadoop_version() -> str | None:
    """The Hadoop client version inside the installed pyspark wheel (its ``jars/hadoop-client-api-*.jar``)."""
    import importlib.util

    spec = importlib.util.find_spec("pyspark")
    if spec is None or not spec.submodule_search_locations:
        return None
    jars = [str(p) for p in Path(spec.submodule_search_locations[0], "jars").glob("hadoop-client-api-*.jar")]
    return _jar_version(jars, "hadoop-client-api")


def s3a_jars(jars_dir: Path | None = None, hadoop_version: str | None = None) -> list[str]:
    """Jar paths of Hadoop's S3A connector, checked against pyspark's Hadoop; failing with the command to run."""
    folder = jars_dir or state_dir() / "spark" / "s3a-jars"
    jars = sorted(str(p) for p in folder.glob("*.jar"))
    missing = [a for a in S3A_ARTIFACTS if _jar_version(jars, a) is None]
    if missing:
        raise SparkSetupError(
            f"an s3a:// {' or '.join(_STORAGE_KEYS)} needs Hadoop's S3A connector, but {folder} has no "
            f"{' and no '.join(missing)} jar; run `infra/spark/connector.sh s3a` (about 690 MB, once)"
        )
    expected = hadoop_version or pyspark_hadoop_version()
    found = _jar_version(jars, "hadoop-aws")
    if expected is not None and found != expected:
        raise SparkSetupError(
            f"hadoop-aws {found} in {folder} does not match the Hadoop {expected} inside pyspark; set hadoop.version "
            f"to {expected} in infra/spark/s3a/pom.xml and run `infra/spark/connector.sh s3a` again"
        )
    return jars


def uses_s3a(config: OryxConfig) -> bool:
    """True when the batch layer's data or models live on S3 through Hadoop's S3A file system."""
    return any(StorageURI.parse(config.get_string(key)).scheme == "s3a" for key in _STORAGE_KEYS)


def _add_s3a_jars(settings: dict[str, str]) -> None:
    jars = s3a_jars()
    if settings["spark.master"].startswith("local"):
        key, separator = "spark.driver.extraClassPath", os.pathsep
    else:
        key, separator = "spark.jars", ","
    settings[key] = separator.join(filter(None, [settings.get(key, ""), *jars]))


def spark_settings(config: OryxConfig, layer: str, app_name: str) -> dict[str, str]:
    """Every Spark setting a layer's session gets, from ``oryx.<layer>.streaming.*`` like oryx-run.sh."""
    prefix = f"oryx.{layer}.streaming"
    settings = {
        "spark.app.name": app_name,
        "spark.master": config.get_string(f"{prefix}.master"),
        "spark.submit.deployMode": config.get_string(f"{prefix}.deploy-mode"),
        "spark.driver.memory": config.get_string(f"{prefix}.driver-memory"),
        "spark.executor.memory": config.get_string(f"{prefix}.executor-memory"),
        "spark.executor.cores": str(config.get_int(f"{prefix}.executor-cores")),
        "spark.ui.port": str(config.get_int(f"oryx.{layer}.ui.port")),
        # Small local jobs drown in 200 shuffle partitions; users raise it in streaming.config for clusters.
        "spark.sql.shuffle.partitions": "8",
    }
    if config.get_bool(f"{prefix}.dynamic-allocation"):
        settings.update(
            {
                "spark.dynamicAllocation.enabled": "true",
                "spark.dynamicAllocation.minExecutors": "1",
                "spark.dynamicAllocation.maxExecutors": str(config.get_int(f"{prefix}.num-executors")),
                "spark.dynamicAllocation.executorIdleTimeout": "60s",
                "spark.shuffle.service.enabled": "true",
            }
        )
    else:
        settings["spark.executor.instances"] = str(config.get_int(f"{prefix}.num-executors"))
    settings.update(config.spark_conf(layer))
    settings["spark.jars"] = ",".join(filter(None, [settings.get("spark.jars", ""), *connector_jars()]))
    if layer == "batch" and uses_s3a(config):
        _add_s3a_jars(settings)
    return settings


def build_spark_session(config: OryxConfig, layer: str, app_name: str | None = None) -> SparkSession:
    """Starts (or returns) the process's SparkSession for ``layer`` ("batch" or "speed")."""
    # Spark's Python workers must run this interpreter, or they pick the system python3 without our packages.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    oryx_id = config.get_optional_string("oryx.id") or "default"
    name = app_name or f"Oryx{layer.capitalize()}Layer-{oryx_id}"
    builder = SparkSession.builder
    for key, value in spark_settings(config, layer, name).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("WARN")
    return session
