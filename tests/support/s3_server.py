"""A local S3 server (moto's server mode) for tests of ``s3a://`` model directories.

It is a real HTTP S3 endpoint on a free port of 127.0.0.1, so Spark's S3A (hadoop-aws) and ``pyarrow.fs`` reach it
exactly as they would reach S3 or MinIO: only the endpoint, the keys and path-style addressing differ, and those
come from the same ``spark.hadoop.fs.s3a.*`` settings a user gives the batch layer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

ACCESS_KEY = "oryx-test-access"
SECRET_KEY = "oryx-test-secret"
REGION = "us-east-1"


@dataclass(frozen=True)
class LocalS3:
    endpoint: str
    """``http://127.0.0.1:<port>``."""
    client: Any
    """A boto3 S3 client on the server: the test's independent view of what is stored."""

    def hadoop_settings(self) -> dict[str, str]:
        """The S3A keys (without ``spark.hadoop.``) that point Hadoop, and so every Oryx layer, at this server."""
        return {
            "fs.s3a.endpoint": self.endpoint,
            "fs.s3a.endpoint.region": REGION,
            "fs.s3a.access.key": ACCESS_KEY,
            "fs.s3a.secret.key": SECRET_KEY,
            "fs.s3a.path.style.access": "true",
        }

    def config_overrides(self) -> list[str]:
        """``-D``-style overrides setting :meth:`hadoop_settings` under ``oryx.batch.streaming.config``."""
        settings = self.hadoop_settings().items()
        return [f'oryx.batch.streaming.config."spark.hadoop.{key}"="{value}"' for key, value in settings]

    def put_text(self, bucket: str, key: str, text: str) -> None:
        self.client.put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"))

    def get_text(self, bucket: str, key: str) -> str:
        return str(self.client.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8"))

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


@contextmanager
def local_s3(*buckets: str) -> Iterator[LocalS3]:
    """Starts moto's S3 server with ``buckets`` created, and stops it afterwards."""
    import boto3
    import requests
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        # moto's backends live in the process, so an earlier server's buckets would still be there.
        requests.post(f"{endpoint}/moto-api/reset", timeout=10).raise_for_status()
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )
        for bucket in buckets:
            client.create_bucket(Bucket=bucket)
        yield LocalS3(endpoint, client)
    finally:
        server.stop()
