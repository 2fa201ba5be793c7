"""``/openapi.json`` describes exactly the endpoints served: generic ones and each configured app's."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask

EXAMPLE = [
    "oryx.serving.model-manager-class=com.cloudera.oryx.example.serving.ExampleServingModelManager",
    "oryx.serving.application-resources=com.cloudera.oryx.example.serving",
]


def document(app: Flask) -> dict[str, Any]:
    response = app.test_client().get("/openapi.json")
    assert (response.status_code, response.mimetype) == (200, "application/json")
    result: dict[str, Any] = response.get_json()
    return result


def served_operations(app: Flask, prefix: str = "") -> set[tuple[str, str]]:
    """(method, OpenAPI path) for every route except static files, from Flask's own URL map.

    Flask answers HEAD wherever it answers GET; only an explicitly declared HEAD (``/ready``) is documented, so
    HEAD is left out of this comparison and checked on its own.
    """
    operations = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.endswith(".static"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)[len(prefix) :] or "/"
        operations |= {(m.lower(), path) for m in rule.methods or () if m not in ("OPTIONS", "HEAD")}
    return operations


def documented_operations(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method, path) for path, item in doc["paths"].items() for method in item if method != "head"}


def test_every_served_route_is_documented_and_nothing_else(example_app: Flask) -> None:
    assert documented_operations(document(example_app)) == served_operations(example_app)


def test_ready_documents_its_head(example_app: Flask) -> None:
    assert set(document(example_app)["paths"]["/ready"]) == {"get", "head"}


def test_generic_and_app_endpoints_are_both_there(example_app: Flask) -> None:
    paths = document(example_app)["paths"]
    assert {"/ready", "/metrics", "/openapi.json", "/", "/index.html", "/distinct/{word}", "/add"} <= set(paths)


def test_an_app_query_is_described_with_its_parameter_and_answers(example_app: Flask) -> None:
    operation = document(example_app)["paths"]["/distinct/{word}"]["get"]
    assert operation["operationId"] == "example.distinct_word"
    assert operation["parameters"] == [
        {
            "name": "word",
            "in": "path",
            "required": True,
            "description": "a word seen in the input",
            "schema": {"type": "string", "examples": ["apple"]},
        }
    ]
    assert set(operation["responses"]["200"]["content"]) == {"text/plain", "text/csv", "application/json"}
    assert operation["responses"]["400"]["description"] == "No such word"
    assert sorted(operation["responses"]) == ["200", "400", "406", "500", "503"]


def test_a_write_is_described_with_its_body_types_and_204(example_app: Flask) -> None:
    operation = document(example_app)["paths"]["/add"]["post"]
    assert set(operation["requestBody"]["content"]) == {
        "text/plain",
        "text/csv",
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }
    assert {"204", "403", "415"} <= set(operation["responses"])


def test_the_context_path_is_the_server_url(make_app: Callable[..., Flask]) -> None:
    app = make_app(*EXAMPLE, "oryx.serving.api.context-path=/oryx")
    doc = app.test_client().get("/oryx/openapi.json").get_json()
    assert doc["servers"] == [{"url": "/oryx"}]
    assert documented_operations(doc) == served_operations(app, "/oryx")


def test_with_auth_digest_is_the_security_scheme_and_401_is_listed(make_app: Callable[..., Flask]) -> None:
    app = make_app(*EXAMPLE, "oryx.serving.api.user-name=u", "oryx.serving.api.password=p")
    with app.test_request_context():
        doc = app.extensions["oryx_openapi"]
    assert doc["components"]["securitySchemes"] == {
        "digest": {"type": "http", "scheme": "digest", "description": "realm Oryx"}
    }
    assert doc["security"] == [{"digest": []}]
    assert "401" in doc["paths"]["/ready"]["get"]["responses"]


def test_without_auth_no_security_is_declared(example_app: Flask) -> None:
    doc = document(example_app)
    assert "security" not in doc and "401" not in doc["paths"]["/ready"]["get"]["responses"]
