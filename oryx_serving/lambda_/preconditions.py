"""What Jersey checked before calling a resource method, checked here before any view runs.

In order, for the endpoint a request is routed to (as declared in the ``registry``):

1. 415 for a body whose ``Content-Type`` the endpoint does not declare (no type means plain text);
2. 403 for a write in read-only mode, before the body is read, so a bad body cannot turn it into a 400
   (Oryx 2's ``ReadOnlyTest`` posts ``aBc!`` to ``/pref`` and expects 403);
3. 406 when a result endpoint offers nothing the client accepts, before any work is done;
4. 400 for a path value that would be parsed as a JSON array nested too deeply (``bodies.check_json_depth``).

Authentication (401) runs earlier, as its own ``before_request`` hook.
"""

from __future__ import annotations

from flask import Flask, current_app, request

from oryx_core.api.serving import OryxServingError
from oryx_serving.lambda_.bodies import check_json_depth
from oryx_serving.lambda_.errors import check_not_read_only
from oryx_serving.lambda_.formats import negotiate
from oryx_serving.lambda_.registry import CSV_JSON_TYPES, ApiBlueprint, Endpoint
from oryx_serving.lambda_.state import EXTENSION_KEY, OryxServingState


def init_app(app: Flask) -> None:
    app.before_request(check_preconditions)


def routed_endpoint() -> Endpoint | None:
    """The declared endpoint this request was routed to, or None (an undeclared route, 404 or 405)."""
    blueprint = current_app.blueprints.get(request.blueprint or "")
    if not isinstance(blueprint, ApiBlueprint):
        return None
    return blueprint.endpoint_for((request.endpoint or "").rpartition(".")[2])


def _has_body() -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def _check_body_type(endpoint: Endpoint) -> None:
    if endpoint.body is None or not _has_body() or not request.mimetype:
        return
    if request.mimetype not in endpoint.body.media_types:
        raise OryxServingError(
            415, f"Unsupported Content-Type {request.mimetype!r}; use one of {', '.join(endpoint.body.media_types)}"
        )


def _check_writable(endpoint: Endpoint) -> None:
    state: OryxServingState | None = current_app.extensions.get(EXTENSION_KEY)
    if endpoint.writes and state is not None:
        check_not_read_only(state)


def check_preconditions() -> None:
    endpoint = routed_endpoint()
    if endpoint is None:
        return
    _check_body_type(endpoint)
    _check_writable(endpoint)
    if set(endpoint.produces) == set(CSV_JSON_TYPES):
        negotiate(endpoint.produces)
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            check_json_depth(value, f"path parameter {name}")
