"""TLS from PEM files: one HTTPS listener on ``api.secure-port`` (as Oryx 2), bad files stop start-up by key."""

from __future__ import annotations

from pathlib import Path

import pytest

from oryx_core.config import ConfigError, load_config
from oryx_serving.__main__ import check_tls_files, gunicorn_options
from oryx_serving.lambda_.settings import ServingSettings


@pytest.fixture
def pem_files(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("-----BEGIN CERTIFICATE-----\nnot really\n-----END CERTIFICATE-----\n")
    key.write_text("-----BEGIN PRIVATE KEY-----\nnot really\n-----END PRIVATE KEY-----\n")
    return cert, key


def settings(*overrides: str) -> ServingSettings:
    return ServingSettings.from_config(load_config(None, list(overrides)))


def tls_overrides(cert: Path, key: Path) -> list[str]:
    return [f"oryx.serving.api.cert-file={cert}", f"oryx.serving.api.key-file={key}"]


def test_without_tls_gunicorn_listens_on_the_http_port() -> None:
    options = gunicorn_options(settings("oryx.serving.api.port=8080", "oryx.serving.api.secure-port=8443"))
    assert options["bind"] == "0.0.0.0:8080" and "certfile" not in options


def test_with_tls_gunicorn_listens_only_on_the_secure_port(pem_files: tuple[Path, Path]) -> None:
    cert, key = pem_files
    options = gunicorn_options(
        settings("oryx.serving.api.port=8080", "oryx.serving.api.secure-port=8443", *tls_overrides(cert, key))
    )
    assert (options["bind"], options["certfile"], options["keyfile"]) == ("0.0.0.0:8443", str(cert), str(key))


def test_a_cert_without_a_key_fails_naming_the_key_file_key(pem_files: tuple[Path, Path]) -> None:
    with pytest.raises(ConfigError) as raised:
        settings(f"oryx.serving.api.cert-file={pem_files[0]}")
    assert raised.value.key == "oryx.serving.api.key-file"


def test_a_missing_cert_file_fails_naming_its_key(tmp_path: Path, pem_files: tuple[Path, Path]) -> None:
    with pytest.raises(ConfigError) as raised:
        settings(*tls_overrides(tmp_path / "nope.pem", pem_files[1]))
    assert raised.value.key == "oryx.serving.api.cert-file"


def test_a_java_keystore_is_refused_with_how_to_convert_it() -> None:
    with pytest.raises(ConfigError) as raised:
        settings("oryx.serving.api.keystore-file=/etc/oryx/keystore.jks")
    assert raised.value.key == "oryx.serving.api.keystore-file" and "cert-file" in str(raised.value)


def test_files_that_are_not_a_pem_pair_fail_at_start(pem_files: tuple[Path, Path]) -> None:
    tls = settings(*tls_overrides(*pem_files)).tls
    assert tls is not None
    with pytest.raises(ConfigError) as raised:
        check_tls_files(tls)
    assert raised.value.key == "oryx.serving.api.cert-file"


def test_a_non_positive_request_size_cap_is_refused() -> None:
    with pytest.raises(ConfigError) as raised:
        settings("oryx.serving.api.max-request-bytes=0")
    assert raised.value.key == "oryx.serving.api.max-request-bytes"
