"""The endpoint registry: routes and their descriptions come from one declaration."""

from __future__ import annotations

import pytest
from flask import Flask

from oryx_serving.lambda_ import preconditions
from oryx_serving.lambda_.registry import CSV_JSON_TYPES, ApiBlueprint, Body, Param


def view() -> str:
    return "ok"


def test_path_parameters_come_from_the_rule_typed_by_converter() -> None:
    bp = ApiBlueprint("t", __name__, title="T")
    endpoint = bp.api_route(
        "/x/<int:n>/<path:rest>/<name>", view, "GET", summary="s", params=[Param("rest", "the rest", "a/b")]
    )
    assert [(p.name, p.type, p.description, p.example, p.required) for p in endpoint.path_params] == [
        ("n", "integer", "", "", True),
        ("rest", "string", "the rest", "a/b", True),
        ("name", "string", "", "", True),
    ]
    assert endpoint.openapi_path == "/x/{n}/{rest}/{name}"


def test_describing_a_path_parameter_the_rule_lacks_is_an_error() -> None:
    bp = ApiBlueprint("t", __name__, title="T")
    with pytest.raises(ValueError, match="wrod"):
        bp.api_route("/x/<word>", view, "GET", summary="s", params=[Param("wrod")])


def test_the_route_is_registered_with_its_methods() -> None:
    bp = ApiBlueprint("t", __name__, title="T")
    bp.api_route("/x", view, ("GET", "HEAD"), summary="s")
    app = Flask(__name__)
    app.register_blueprint(bp)
    assert app.test_client().head("/x").status_code == 200
    assert app.test_client().post("/x").status_code == 405


def test_responses_follow_the_declared_behaviour() -> None:
    bp = ApiBlueprint("t", __name__, title="T")
    read = bp.api_route(
        "/r/<w>", view, "GET", summary="s", produces=CSV_JSON_TYPES, needs_model=True, errors={404: "ID"}
    )
    write = bp.api_route("/w", view, "POST", summary="s", body=Body("lines"), writes=True)
    assert sorted(read.responses()) == [200, 400, 404, 406, 503]
    assert sorted(write.responses()) == [204, 400, 403, 409, 413, 415, 422, 503]


def test_an_undeclared_body_type_is_415_and_a_declared_one_passes() -> None:
    bp = ApiBlueprint("t", __name__, title="T")
    bp.api_route("/w", view, "POST", summary="s", body=Body("lines", media_types=("text/plain",)))
    app = Flask(__name__)
    app.register_blueprint(bp)
    preconditions.init_app(app)

    @app.errorhandler(Exception)
    def status(error: Exception) -> tuple[str, int]:
        return "", getattr(error, "status", 500)

    client = app.test_client()
    assert client.post("/w", data="x", content_type="application/xml").status_code == 415
    assert client.post("/w", data="x", content_type="text/plain; charset=utf-8").status_code == 200
