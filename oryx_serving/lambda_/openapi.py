"""``GET /openapi.json``: an OpenAPI 3.1 document of every endpoint, built from the blueprints' registries.

The document is generated from the same ``Endpoint`` records that registered the routes, so it lists exactly what
this instance serves: the generic endpoints plus those of each configured app, under the context path.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from flask import Flask, current_app, jsonify
from flask.typing import ResponseReturnValue

from oryx_serving.lambda_.auth import REALM
from oryx_serving.lambda_.registry import ApiBlueprint, Endpoint, Param, api_blueprints
from oryx_serving.lambda_.settings import ServingSettings

OPENAPI_KEY = "oryx_openapi"

blueprint = ApiBlueprint("oryx_openapi", __name__, title="API description", generic=True)


def _version() -> str:
    try:
        return version("oryx-py")
    except PackageNotFoundError:
        return "0.0.0"


def _schema(param: Param) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": param.type}
    if param.example:
        schema["examples"] = [param.example]
    return schema


IDEMPOTENCY_KEY_PARAMETER: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "A unique value per request (e.g. a UUID): a retry with the same key writes only the lines the input "
        "topic does not hold yet, so a retry after a lost answer does not double them"
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def _parameters(endpoint: Endpoint) -> list[dict[str, Any]]:
    located = [("path", p) for p in endpoint.path_params] + [("query", p) for p in endpoint.query_params]
    keyed = [IDEMPOTENCY_KEY_PARAMETER] if endpoint.writes else []
    return keyed + [
        {
            "name": p.name,
            "in": where,
            "required": where == "path" or p.required,
            "description": p.description,
            "schema": _schema(p),
        }
        for where, p in located
    ]


def _body_schema(media: str) -> dict[str, Any]:
    """JSON answers vary by endpoint (a number, a map, a list of ``{id, value}``); text answers are strings."""
    return {} if media == "application/json" else {"type": "string"}


def _response(status: int, description: str, produces: tuple[str, ...]) -> dict[str, Any]:
    body: dict[str, Any] = {"description": description}
    if status == 200 and produces:
        body["content"] = {media: {"schema": _body_schema(media)} for media in produces}
    elif status >= 400:
        body["content"] = {"text/plain": {"schema": {"type": "string"}}}
    return body


def _operation(blueprint: ApiBlueprint, endpoint: Endpoint, secured: bool) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": f"{blueprint.name}.{endpoint.view_name}",
        "summary": endpoint.summary,
        "tags": [blueprint.title],
    }
    parameters = _parameters(endpoint)
    if parameters:
        operation["parameters"] = parameters
    if endpoint.body is not None:
        operation["requestBody"] = {
            "required": True,
            "description": endpoint.body.description,
            "content": {media: {"schema": {"type": "string"}} for media in endpoint.body.media_types},
        }
    responses = endpoint.responses()
    if secured:
        responses[401] = "Authentication required (HTTP Digest; Basic only over TLS)"
    responses.setdefault(500, "Unexpected server error")
    operation["responses"] = {
        str(status): _response(status, text, endpoint.produces) for status, text in sorted(responses.items())
    }
    return operation


def build_document(app: Flask, settings: ServingSettings) -> dict[str, Any]:
    secured = settings.credentials is not None
    paths: dict[str, dict[str, Any]] = {}
    tags = []
    for bp in api_blueprints(app):
        tags.append({"name": bp.title, "description": bp.description})
        for endpoint in bp.endpoints:
            item = paths.setdefault(endpoint.openapi_path, {})
            for method in endpoint.methods:
                item[method.lower()] = _operation(bp, endpoint, secured)
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Oryx serving layer",
            "version": _version(),
            "description": "Oryx 2's REST API: CSV by default, JSON with Accept: application/json.",
        },
        "servers": [{"url": settings.context_path or "/"}],
        "tags": tags,
        "paths": paths,
    }
    if secured:
        schemes: dict[str, Any] = {"digest": {"type": "http", "scheme": "digest", "description": f"realm {REALM}"}}
        if settings.tls is not None:
            schemes["basic"] = {"type": "http", "scheme": "basic", "description": "accepted only over TLS"}
        document["components"] = {"securitySchemes": schemes}
        document["security"] = [{name: []} for name in schemes]
    return document


def init_app(app: Flask, settings: ServingSettings) -> None:
    """Builds the document once; call after every blueprint is registered."""
    app.extensions[OPENAPI_KEY] = build_document(app, settings)


def openapi() -> ResponseReturnValue:
    return jsonify(current_app.extensions[OPENAPI_KEY])


blueprint.api_route(
    "/openapi.json",
    openapi,
    "GET",
    summary="This OpenAPI 3.1 document: every endpoint this instance serves",
    produces=("application/json",),
    console=False,
)
