"""Oryx 2's lambda-serving test resources as a blueprint (``oryx.serving.application-resources``
``compat.lambda_serving.oryx2_test_resources``): ``HelloWorld``'s ``/helloWorld``, plus a resource failing with an
unexpected exception (what ``ErrorResourceTest`` renders) and one failing with an ``OryxServingException`` (what
``OryxExceptionMapperTest`` maps)."""

from __future__ import annotations

from flask import Blueprint, Response

from oryx_core.api.serving import OryxServingError

blueprint = Blueprint("oryx2_test_resources", __name__)


class IllegalStateException(RuntimeError):
    """Named as the exception ``ErrorResourceTest`` passes to the error page."""


@blueprint.get("/helloWorld")
def hello_world() -> Response:
    return Response("Hello, World", mimetype="text/plain")


@blueprint.get("/error")
def error() -> Response:
    raise IllegalStateException("Something was wrong")


@blueprint.get("/badRequest")
def bad_request() -> Response:
    raise OryxServingError(400, "Bad request")


RESOURCES = f"oryx.serving.application-resources={__name__}"
MANAGER = "oryx.serving.model-manager-class=com.cloudera.oryx.example.serving.ExampleServingModelManager"
"""Our serving layer always runs a model manager; Oryx 2's tests of its container ran none (no-init-topics)."""
