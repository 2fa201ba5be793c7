"""Exceptions to Oryx 2 status codes and plain-text bodies, mapped once for the whole app.

Views raise ``OryxServingError`` (directly or through the ``check*`` helpers) and stay short; the handlers
below are the only place that turns a failure into a response, as Oryx 2's exception mapper was.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, NoReturn

from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException

from oryx_core.api.serving import OryxServingError, ServingModel

if TYPE_CHECKING:
    from oryx_serving.lambda_.state import OryxServingState

log = logging.getLogger(__name__)

READ_ONLY_MESSAGE = "Serving Layer is read-only"
NO_MODEL_MESSAGE = "Model not yet available"

blueprint = Blueprint("oryx_errors", __name__)


def _plain(body: str, status: int) -> Response:
    return Response(body, status=status, mimetype="text/plain")


@blueprint.app_errorhandler(OryxServingError)
def handle_oryx_error(error: OryxServingError) -> Response:
    response = _plain(error.message, error.status)
    response.headers.update(error.headers)
    return response


@blueprint.app_errorhandler(HTTPException)
def handle_http_error(error: HTTPException) -> Response:
    """Routing and protocol errors (404 no such path, 405, 406, 413) keep their status, in plain text."""
    response = error.get_response()
    response.set_data(error.description or "")
    response.mimetype = "text/plain"
    return response


@blueprint.app_errorhandler(Exception)
def handle_unexpected(error: Exception) -> Response:
    """Oryx 2's error page first line (``Error 500 : <path>``), then the exception's type. Its message and stack
    trace, which Oryx 2's page also showed, go to the log only: they can carry data and internals (CWE-209)."""
    log.exception("Unhandled error while serving a request")
    return _plain(f"Error 500 : {request.path}\nInternal server error: {type(error).__name__}", 500)


def fail(status: int, message: str = "") -> NoReturn:
    raise OryxServingError(status, message)


def check(condition: bool, message: str) -> None:
    """A bad argument: 400 with the message as the body."""
    if not condition:
        fail(400, message)


def check_exists(condition: bool, entity_id: str) -> None:
    """An unknown user, item or word: 404 with the ID as the body, as Oryx 2 answers."""
    if not condition:
        fail(404, entity_id)


def check_not_read_only(state: OryxServingState) -> None:
    if state.read_only:
        fail(403, READ_ONLY_MESSAGE)


def require_model(state: OryxServingState) -> ServingModel:
    """The current model, or 503 until it has loaded at least ``min-model-load-fraction``.

    The rule is ``oryx_core.api.readiness``'s, through ``state.model_status()`` (as ``/metrics`` asks it). Like
    Oryx 2 this is a latch: once a model has loaded enough, endpoints stay available while a newer one fills in.
    """
    model, fraction, ready = state.model_status()
    if model is None or fraction is None:
        fail(503, NO_MODEL_MESSAGE)
    if not ready:
        fail(503, f"Model only {fraction:.0%} loaded; waiting for {state.min_model_load_fraction:.0%}")
    return model
