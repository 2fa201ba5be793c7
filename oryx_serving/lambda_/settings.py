"""The serving layer's ``oryx.serving.*`` keys, read and checked in one place.

Both ``create_app`` and ``python -m oryx_serving`` build these before anything starts, so a bad value stops
the server at start-up with the key named, never at request time.
"""

from __future__ import annotations

from dataclasses import dataclass

from oryx_core.config import ConfigError, OryxConfig

MODEL_MANAGER_KEY = "oryx.serving.model-manager-class"
RESOURCES_KEY = "oryx.serving.application-resources"
CONTEXT_PATH_KEY = "oryx.serving.api.context-path"


@dataclass(frozen=True)
class ServingSettings:
    port: int
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

    @classmethod
    def from_config(cls, config: OryxConfig) -> ServingSettings:
        return cls(
            port=config.get_int("oryx.serving.api.port"),
            workers=config.get_int("oryx.serving.api.workers"),
            threads=config.get_int("oryx.serving.api.threads"),
            read_only=config.get_bool("oryx.serving.api.read-only"),
            context_path=_url_prefix(config.get_optional_string(CONTEXT_PATH_KEY)),
            application_resources=config.get_optional_string(RESOURCES_KEY),
            model_manager_class=config.get_optional_string(MODEL_MANAGER_KEY),
            min_model_load_fraction=config.get_float("oryx.serving.min-model-load-fraction"),
            no_init_topics=config.get_bool("oryx.serving.no-init-topics"),
            max_request_bytes=config.get_int("oryx.serving.api.max-request-bytes"),
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
