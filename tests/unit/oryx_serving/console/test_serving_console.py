"""The web console page: a form per app endpoint, Oryx 2's headers, and its script served from this origin."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask

EXAMPLE = [
    "oryx.serving.model-manager-class=com.cloudera.oryx.example.serving.ExampleServingModelManager",
    "oryx.serving.application-resources=com.cloudera.oryx.example.serving",
]


def forms(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<form class="endpoint" data-method="(\w+)" data-base="[^"]*" data-path="([^"]+)"', html)


def test_root_and_index_html_serve_the_console_with_oryx2s_headers(example_app: Flask) -> None:
    for path in ("/", "/index.html"):
        response = example_app.test_client().get(path)
        assert (response.status_code, response.mimetype) == (200, "text/html")
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert response.headers["Cache-Control"] == "public"
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_one_form_per_app_endpoint_plus_ready(example_app: Flask) -> None:
    html = example_app.test_client().get("/").text
    assert forms(html) == [
        ("POST", "/add/{line}"),
        ("POST", "/add"),
        ("GET", "/distinct"),
        ("GET", "/distinct/{word}"),
        ("GET", "/ready"),
    ]


def test_a_form_prefills_the_declared_example(example_app: Flask) -> None:
    html = example_app.test_client().get("/").text
    assert '<input type="text" data-in="path" name="word" value="apple" required>' in html


def test_the_console_script_and_style_are_served(example_app: Flask) -> None:
    client = example_app.test_client()
    script = client.get("/console/static/console.js")
    assert script.status_code == 200 and "fetch(" in script.text
    assert client.get("/console/static/console.css").status_code == 200


def test_forms_and_assets_follow_the_context_path(make_app: Callable[..., Flask]) -> None:
    app = make_app(*EXAMPLE, "oryx.serving.api.context-path=/oryx")
    html = app.test_client().get("/oryx/").text
    assert 'data-base="/oryx"' in html and 'src="/oryx/console/static/console.js"' in html
    assert app.test_client().get("/oryx/console/static/console.js").status_code == 200


def test_read_only_mode_is_announced(make_app: Callable[..., Flask]) -> None:
    app = make_app(*EXAMPLE, "oryx.serving.api.read-only=true")
    assert "read-only" in app.test_client().get("/").text
