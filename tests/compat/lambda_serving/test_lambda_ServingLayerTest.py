"""Oryx 2's ``ServingLayerTest``: the serving layer starts from config, plain and with TLS.

Oryx 2 inspects its Tomcat context (an error page for 500, no application listener under no-init-topics, the
serialized config, a name, servlet version >= 3.1). The Flask counterparts: an unexpected error is answered by
the error handler with 500, no update-topic follower runs under ``no-init-topics``, the app holds the config, and
has a name; there is no servlet version. The secure variant is a PEM pair (Oryx 2: a JKS keystore, which our
config refuses with a hint to convert it) that ``python -m oryx_serving`` checks before starting gunicorn.
"""

from __future__ import annotations

from pathlib import Path

from compat.lambda_serving.oryx2_test_resources import MANAGER, RESOURCES
from compat.tls import self_signed_pem

from oryx_core.config import load_config
from oryx_serving import create_app
from oryx_serving.__main__ import validate

NO_INIT_TOPICS = "oryx.serving.no-init-topics=true"


def check_serving_layer(*overrides: str) -> None:
    config = load_config(None, [RESOURCES, MANAGER, NO_INIT_TOPICS, *overrides])
    validate(config)
    app = create_app(config)
    state = app.extensions["oryx"]
    try:
        assert app.test_client().get("/error").status_code == 500
        assert state.follower is None
        assert state.config is config
        assert app.name
    finally:
        state.close()


def testServingLayer() -> None:
    check_serving_layer()


def testServingLayerSecure(tmp_path: Path) -> None:
    cert, key = self_signed_pem(tmp_path)
    check_serving_layer(f'oryx.serving.api.cert-file="{cert}"', f'oryx.serving.api.key-file="{key}"')
