"""The plain (scanning) ALS serving app, as the write-endpoint tests build it; other modules here add settings."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

ALS_SETTINGS = (
    "oryx.serving.model-manager-class=com.cloudera.oryx.app.serving.als.model.ALSServingModelManager",
    "oryx.serving.application-resources=com.cloudera.oryx.app.serving.als",
)


@pytest.fixture
def make_als_app(make_app: Callable[..., Flask]) -> Callable[..., Flask]:
    """``make_als_app(*more_settings)``: the ALS app with the in-memory broker of ``make_app``."""
    return lambda *settings: make_app(*ALS_SETTINGS, *settings)


@pytest.fixture
def client(make_als_app: Callable[..., Flask]) -> FlaskClient:
    return make_als_app().test_client()
