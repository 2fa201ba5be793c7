"""The serving layer's ``oryx.serving.*`` keys, read and checked in one place.

Both ``create_app`` and ``python -m oryx_serving`` build these before anything starts, so a bad value stops
the server at start-up with the key named, never at request time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from oryx_core.config import ConfigError, OryxConfig
from oryx_core.topics.model_messages import MODEL_DIR_KEY

MODEL_MANAGER_KEY = "oryx.serving.model-manager-class"
RESOURCES_KEY = "oryx.serving.application-resources"
CONTEXT_PATH_KEY = "oryx.serving.api.context-path"
USER_NAME_KEY = "oryx.serving.api.user-name"
PASSWORD_KEY = "oryx.serving.api.password"
READ_TIMEOUT_KEY = "oryx.serving.api.read-timeout-sec"
CERT_FILE_KEY = "oryx.serving.api.cert-file"
KEY_FILE_KEY = "oryx.serving.api.key-file"
KEYSTORE_FILE_KEY = "oryx.serving.api.keystore-file"
MAX_REQUEST_BYTES_KEY = "oryx.serving.api.max-request-bytes"
MAX_DECOMPRESSION_RATIO_KEY = "oryx.serving.api.max-decompression-ratio"


@dataclass(frozen=True)
class Credentials:
    """The one user of Oryx 2's single-user realm; ``repr`` hides the password from logs and tracebacks."""

    user_name: str
    password: str

    def __repr__(self) -> str:
        return f"Credentials(user_name={self.user_name!r}, password='*****')"


@dataclass(frozen=True)
class TLSFiles:
    cert_file: Path
    key_file: Path


@dataclass(frozen=True)
class ServingSettings:
    port: int
    """The port actually bound: ``api.secure-port`` when TLS is on, else ``api.port`` (one listener, as Oryx 2)."""
    workers: int
    threads: int
    read_only: bool
    context_path: str
    """URL prefix for every blueprint, "" when Oryx 2's "/" (no prefix) is configured."""
    application_resources: str | None
    model_manager_class: str | None
    min_model_load_fraction: float
    no_init_topics: bool
    max_request_bytes: int
    max_decompression_ratio: int
    """Output bytes a compressed request body may inflate to per compressed byte (beyond its first MiB)."""
    read_timeout_sec: float
    """How long a request body may take to arrive (``body_deadline``)."""
    credentials: Credentials | None
    tls: TLSFiles | None
    model_dir: str | None
    """Where MODEL-REF files may live (``oryx.batch.storage.model-dir``); references elsewhere are refused."""

    @classmethod
    def from_config(cls, config: OryxConfig) -> ServingSettings:
        tls = _tls_files(config)
        max_request_bytes = config.get_int(MAX_REQUEST_BYTES_KEY)
        if max_request_bytes <= 0:
            raise ConfigError(MAX_REQUEST_BYTES_KEY, f"must be a positive number of bytes; got {max_request_bytes}")
        max_ratio = config.get_int(MAX_DECOMPRESSION_RATIO_KEY)
        if max_ratio < 1:
            raise ConfigError(
                MAX_DECOMPRESSION_RATIO_KEY, f"must be 1 or more (bytes out per byte in); got {max_ratio}"
            )
        read_timeout = config.get_float(READ_TIMEOUT_KEY)
        if not read_timeout > 0:
            raise ConfigError(READ_TIMEOUT_KEY, f"must be a positive number of seconds; got {read_timeout}")
        return cls(
            port=config.get_int("oryx.serving.api.secure-port" if tls else "oryx.serving.api.port"),
            workers=config.get_int("oryx.serving.api.workers"),
            threads=config.get_int("oryx.serving.api.threads"),
            read_only=config.get_bool("oryx.serving.api.read-only"),
            context_path=_url_prefix(config.get_optional_string(CONTEXT_PATH_KEY)),
            application_resources=config.get_optional_string(RESOURCES_KEY),
            model_manager_class=config.get_optional_string(MODEL_MANAGER_KEY),
            min_model_load_fraction=config.get_float("oryx.serving.min-model-load-fraction"),
            no_init_topics=config.get_bool("oryx.serving.no-init-topics"),
            max_request_bytes=max_request_bytes,
            max_decompression_ratio=max_ratio,
            read_timeout_sec=read_timeout,
            credentials=_credentials(config),
            tls=tls,
            model_dir=config.get_optional_string(MODEL_DIR_KEY),
        )


def _url_prefix(context_path: str | None) -> str:
    """Oryx 2 accepts "/", "/ctx" and "/ctx/"; Flask wants "" or "/ctx" (no trailing slash)."""
    if context_path is None:
        return ""
    path = context_path.strip()
    if path and not path.startswith("/"):
        raise ConfigError(CONTEXT_PATH_KEY, f"must start with '/', like /oryx; got {context_path!r}")
    if any(ch.isspace() for ch in path) or "?" in path or "#" in path:
        raise ConfigError(CONTEXT_PATH_KEY, f"must be a plain URL path like /oryx; got {context_path!r}")
    return path.rstrip("/")


def _credentials(config: OryxConfig) -> Credentials | None:
    """Both keys or neither: Oryx 2 silently ran unprotected when only one was set; that is refused here."""
    user = config.get_optional_string(USER_NAME_KEY)
    password = config.get_optional_string(PASSWORD_KEY)
    if user is None and password is None:
        return None
    if user is None or password is None:
        missing = USER_NAME_KEY if user is None else PASSWORD_KEY
        raise ConfigError(missing, f"must be set together with {USER_NAME_KEY if user else PASSWORD_KEY}")
    if not user or ":" in user or '"' in user:
        raise ConfigError(USER_NAME_KEY, f"must be non-empty without ':' or '\"' (HTTP auth syntax); got {user!r}")
    if not password:
        raise ConfigError(PASSWORD_KEY, "must not be empty")
    return Credentials(user, password)


def _tls_files(config: OryxConfig) -> TLSFiles | None:
    """PEM certificate chain and private key; Oryx 2's Java keystore is refused with how to convert it."""
    keystore = config.get_optional_string(KEYSTORE_FILE_KEY)
    if keystore is not None:
        raise ConfigError(
            KEYSTORE_FILE_KEY,
            "Java keystores are not read by this serving layer; export the certificate chain and key as PEM "
            "(e.g. keytool -importkeystore -deststoretype PKCS12, then openssl pkcs12 -nokeys / -nocerts -nodes) "
            f"and set {CERT_FILE_KEY} and {KEY_FILE_KEY}",
        )
    cert = config.get_optional_string(CERT_FILE_KEY)
    key = config.get_optional_string(KEY_FILE_KEY)
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        missing = CERT_FILE_KEY if cert is None else KEY_FILE_KEY
        raise ConfigError(missing, f"must be set together with {KEY_FILE_KEY if cert else CERT_FILE_KEY}")
    for name, value in ((CERT_FILE_KEY, cert), (KEY_FILE_KEY, key)):
        if not Path(value).is_file():
            raise ConfigError(name, f"is not a readable file: {value!r} (a PEM file is expected)")
    return TLSFiles(Path(cert), Path(key))
