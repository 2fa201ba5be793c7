"""``python -m oryx_serving [--conf FILE] [-D key=value ...]``: run the serving layer under gunicorn.

The configuration is loaded and checked here, before any worker starts, so a bad key stops the command with
the key named. Workers then load the *effective* configuration this process wrote (``ORYX_CONF``), so they
see exactly the same values, overrides included. gunicorn's master handles SIGTERM: workers finish their
requests within the graceful timeout, then each stops its update-topic follower and flushes its producer.
"""

from __future__ import annotations

import argparse
import logging
import os
import ssl
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

from oryx_core.classnames import load_class
from oryx_core.config import ConfigError, OryxConfig, load_config, state_dir
from oryx_serving import CONF_ENV, app_blueprints
from oryx_serving.lambda_.settings import CERT_FILE_KEY, KEY_FILE_KEY, MODEL_MANAGER_KEY, ServingSettings, TLSFiles
from oryx_serving.lambda_.state import EXTENSION_KEY

log = logging.getLogger("oryx_serving")

GRACEFUL_TIMEOUT_SECONDS = 20
MAX_HEADER_BYTES = 65536
"""Oryx 2's Tomcat allowed 64 KiB headers for long URLs (e.g. many IDs in one /recommendToMany)."""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m oryx_serving", description="Run the Oryx serving layer under gunicorn."
    )
    parser.add_argument("--conf", metavar="FILE", help="HOCON config layered over the defaults")
    parser.add_argument(
        "-D", dest="overrides", metavar="KEY=VALUE", action="append", default=[], help="override one key"
    )
    return parser.parse_args(argv)


def validate(config: OryxConfig) -> ServingSettings:
    """Everything ``create_app`` would reject, checked once in the master instead of in every worker."""
    settings = ServingSettings.from_config(config)
    if settings.model_manager_class is None:
        raise ConfigError(MODEL_MANAGER_KEY, "is not set; name the app's ServingModelManager")
    load_class(settings.model_manager_class, MODEL_MANAGER_KEY)
    app_blueprints(settings.application_resources)
    if settings.tls is not None:
        check_tls_files(settings.tls)
    return settings


def check_tls_files(tls: TLSFiles) -> None:
    """Loads the PEM pair as gunicorn will, so a wrong file stops start-up with the key named."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(tls.cert_file, tls.key_file)
    except (ssl.SSLError, OSError) as e:
        raise ConfigError(
            CERT_FILE_KEY, f"{tls.cert_file} with {KEY_FILE_KEY} {tls.key_file} is not a usable PEM pair: {e}"
        ) from e


def write_effective_config(config: OryxConfig) -> Path:
    """Written owner-only: the effective configuration may hold passwords."""
    path = state_dir() / "serving" / "effective.conf"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(config.to_hocon())
    return path


def _close_worker_state(_arbiter: Any, worker: Any) -> None:
    """gunicorn ``worker_exit`` hook: stop the follower and flush the producer before the worker goes."""
    app = getattr(worker, "wsgi", None)
    state = getattr(app, "extensions", {}).get(EXTENSION_KEY) if app is not None else None
    if state is not None:
        state.close()


def gunicorn_options(settings: ServingSettings) -> dict[str, Any]:
    """One listener, as Oryx 2: HTTPS on ``api.secure-port`` when cert and key are set, else HTTP on ``api.port``."""
    tls = {"certfile": str(settings.tls.cert_file), "keyfile": str(settings.tls.key_file)} if settings.tls else {}
    return {
        **tls,
        "bind": f"0.0.0.0:{settings.port}",
        "workers": settings.workers,
        "threads": settings.threads,
        "worker_class": "gthread",
        "graceful_timeout": GRACEFUL_TIMEOUT_SECONDS,
        "accesslog": "-",
        "errorlog": "-",
        # gunicorn's largest bounded request line; 0 would mean unbounded (a memory risk). Oryx 2 allowed 64 KiB
        # URLs; bulk requests belong in POST bodies.
        "limit_request_line": 8190,
        "limit_request_field_size": MAX_HEADER_BYTES,
        "worker_exit": _close_worker_state,
        "proc_name": "oryx-serving",
        # gunicorn's control socket defaults to one path per user, which two serving instances would share.
        "control_socket_disable": True,
    }


class ServingApplication(BaseApplication):  # type: ignore[misc]
    """gunicorn driven from Python, so the options come from the Oryx config and not a gunicorn file."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # Imported in the worker, after fork, so every worker builds its own Kafka clients and thread.
        from oryx_serving import create_app

        return create_app()


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s [%(name)s] %(message)s")
    args = parse_args(argv)
    try:
        config = load_config(args.conf, args.overrides)
        settings = validate(config)
    except ConfigError as error:
        print(f"oryx serving: configuration error: {error}", file=sys.stderr)
        return 2
    os.environ[CONF_ENV] = str(write_effective_config(config))
    log.info("Serving layer configuration:\n%s", config.redacted())
    ServingApplication(gunicorn_options(settings)).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
