"""The serving layer's generic tier: what every app's REST API shares (Oryx 2's oryx-lambda-serving).

Model following, readiness, error mapping, response formats, input writing, authentication, metrics and the
endpoint registry (read by the console and ``/openapi.json``) live here; apps add only their model and
endpoints. This package never imports an app: apps are found by name from configuration.
"""

from __future__ import annotations

from flask import Blueprint

from oryx_serving.lambda_ import errors, metrics, openapi, ready

GENERIC_BLUEPRINTS: tuple[Blueprint, ...] = (errors.blueprint, ready.blueprint, metrics.blueprint, openapi.blueprint)
"""Registered for every app, as Oryx 2 always appended ``com.cloudera.oryx.lambda.serving``."""
