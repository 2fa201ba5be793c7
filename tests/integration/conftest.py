"""Integration helpers for the serving layer: a real ``python -m oryx_serving`` (gunicorn) and a TLS certificate."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support.ports import free_port
from support.waiting import wait_for

REPO = Path(__file__).resolve().parents[2]


@dataclass
class ServingProcess:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def serving_overrides(kafka_brokers: str, fresh_topics: tuple[str, str]) -> list[str]:
    """Config overrides for the example app on the real broker's fresh topics, one worker of four threads."""
    input_topic, update_topic = fresh_topics
    return [
        f"oryx.input-topic.broker={kafka_brokers}",
        f"oryx.input-topic.message.topic={input_topic}",
        f"oryx.update-topic.broker={kafka_brokers}",
        f"oryx.update-topic.message.topic={update_topic}",
        "oryx.serving.model-manager-class=com.cloudera.oryx.example.serving.ExampleServingModelManager",
        "oryx.serving.application-resources=com.cloudera.oryx.example.serving",
        "oryx.serving.api.workers=1",
        "oryx.serving.api.threads=4",
    ]


@pytest.fixture
def start_serving(tmp_path: Path) -> Iterator[Callable[..., ServingProcess]]:
    """``start_serving(*overrides, tls=False)``: runs the serving layer under gunicorn until the test ends."""
    started: list[ServingProcess] = []

    def start(*overrides: str, tls: bool = False) -> ServingProcess:
        port = free_port()
        port_key = "secure-port" if tls else "port"
        command = [sys.executable, "-m", "oryx_serving", "-D", f"oryx.serving.api.{port_key}={port}"]
        for override in overrides:
            command += ["-D", override]
        state = tmp_path / f"serving-{len(started)}"
        log = state / "serving.log"
        state.mkdir()
        env = {**os.environ, "ORYX_STATE_DIR": str(state)}
        with log.open("wb") as out:
            process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        server = ServingProcess(f"{'https' if tls else 'http'}://127.0.0.1:{port}", process, log)
        started.append(server)
        wait_for(lambda: _listening(port) or process.poll() is not None, 60, "gunicorn to listen")
        if process.poll() is not None:
            raise AssertionError(f"serving exited with {process.returncode}:\n{server.output()}")
        return server

    yield start
    for server in started:
        if server.process.poll() is None:
            server.process.send_signal(signal.SIGTERM)
            try:
                server.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def self_signed_cert(tmp_path: Path) -> tuple[Path, Path]:
    """A PEM certificate for 127.0.0.1 / localhost and its key, made with ``cryptography`` (else openssl)."""
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2"]
            + ["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]
            + ["-keyout", str(key_file), "-out", str(cert_file)],
            check=True,
            capture_output=True,
        )
        return cert_file, key_file
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Callable[[str], Any]]:
    """``open(url)``: a headless Chromium page on the web console (browser_support; imported here, lazily, so
    only the console tests need Chromium and websocket-client)."""
    from browser_support import chromium_pages

    with chromium_pages(tmp_path) as open_page:
        yield open_page


@pytest.fixture(scope="module")
def spark_stopped_after_module() -> Iterator[None]:
    """Stops the in-process SparkSession a batch test module started (Dagster runs in this process), so the
    next module's session starts with its own settings."""
    yield
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    if session is not None:
        session.stop()
