"""The serving layer: a Flask REST API over the in-memory model, run by gunicorn (Oryx 2's Tomcat + Jersey).

``create_app`` is the application factory gunicorn calls in each worker (``'oryx_serving:create_app()'``):
it builds the model follower, the input producer and one blueprint per configured app, all from config.
"""

from __future__ import annotations

import importlib
import os

from flask import Blueprint, Flask

from oryx_core.api.serving import ServingModelManager
from oryx_core.classnames import resolve_resource_packages
from oryx_core.config import ConfigError, OryxConfig, load_config
from oryx_core.topics.follower import UpdateSource
from oryx_serving import console
from oryx_serving.lambda_ import GENERIC_BLUEPRINTS, auth, metrics, openapi, preconditions
from oryx_serving.lambda_.bodies import MAX_DECOMPRESSION_RATIO_CONFIG
from oryx_serving.lambda_.body_deadline import READ_TIMEOUT_CONFIG
from oryx_serving.lambda_.formats import compress_response
from oryx_serving.lambda_.model_manager import init_app
from oryx_serving.lambda_.settings import RESOURCES_KEY, ServingSettings
from oryx_serving.lambda_.state import InputProducer

CONF_ENV = "ORYX_CONF"
"""Names the HOCON file ``create_app()`` loads when given no config (set by ``python -m oryx_serving``)."""

__all__ = ["CONF_ENV", "app_blueprints", "create_app"]


def app_blueprints(resources: str | None) -> list[Blueprint]:
    """The ``blueprint`` of each package named by ``oryx.serving.application-resources``."""
    blueprints: list[Blueprint] = []
    for package in resolve_resource_packages(resources, RESOURCES_KEY):
        try:
            module = importlib.import_module(package)
        except ImportError as e:
            raise ConfigError(RESOURCES_KEY, f"package {package!r} cannot be imported: {e}") from e
        blueprint = getattr(module, "blueprint", None)
        if not isinstance(blueprint, Blueprint):
            raise ConfigError(RESOURCES_KEY, f"package {package!r} has no Flask Blueprint named 'blueprint'")
        blueprints.append(blueprint)
    return blueprints


def create_app(
    config: OryxConfig | None = None,
    *,
    model_manager: ServingModelManager | None = None,
    input_producer: InputProducer | None = None,
    update_consumer: UpdateSource | None = None,
) -> Flask:
    """Builds the serving app; configuration problems raise ``ConfigError`` here, never at request time.

    The keyword arguments inject in-memory fakes for unit tests; normally all three are built from config.
    """
    if config is None:
        config = load_config(os.environ.get(CONF_ENV) or None)
    settings = ServingSettings.from_config(config)
    blueprints = [*GENERIC_BLUEPRINTS, console.blueprint, *app_blueprints(settings.application_resources)]
    app = Flask(__name__, static_folder=None)
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        MAX_FORM_MEMORY_SIZE=settings.max_request_bytes,
        **{
            MAX_DECOMPRESSION_RATIO_CONFIG: settings.max_decompression_ratio,
            READ_TIMEOUT_CONFIG: settings.read_timeout_sec,
        },
    )
    # Order matters: the timer starts before authentication, so refused requests are measured too; then
    # Jersey's checks (415, 403 read-only, 406) run before any view reads a body.
    metrics.init_app(app)
    auth.init_app(app, settings.credentials)
    preconditions.init_app(app)
    app.after_request(compress_response)
    for blueprint in blueprints:
        app.register_blueprint(blueprint, url_prefix=settings.context_path or None)
    openapi.init_app(app, settings)
    console.init_app(app, settings)
    init_app(app, config, model_manager=model_manager, input_producer=input_producer, update_consumer=update_consumer)
    return app
