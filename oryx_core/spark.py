"""One SparkSession per process, configured from HOCON (``oryx.<layer>.streaming.*``).

This is the only ``oryx_core`` module that imports pyspark, and it imports it lazily, so the serving layer
never pays for it. The Kafka connector jars are resolved from Maven Central ahead of time by
``infra/spark/connector.sh`` into the state folder and handed to Spark through ``spark.jars``, so no job
downloads anything at run time.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from oryx_core.config import OryxConfig, state_dir

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

CONNECTOR_ARTIFACTS = ("spark-sql-kafka-0-10_2.13", "spark-token-provider-kafka-0-10_2.13", "kafka-clients")


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
