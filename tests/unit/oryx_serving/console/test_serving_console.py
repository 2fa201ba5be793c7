"""The web console page: a form per app endpoint, Oryx 2's headers, and its script served from this origin."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
from flask import Flask

from oryx_core.apps.als.messages import format_x_update, format_y_update
from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml
from oryx_core.ml.pmml import write_pmml

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


def test_the_page_has_oryx2s_texts(example_app: Flask) -> None:
    html = example_app.test_client().get("/").text
    assert html.startswith("<!DOCTYPE html>")
    assert "<title>Oryx Serving Layer</title>" in html and "<h1>Oryx Serving Layer</h1>" in html
    assert "<h2>Word count example</h2>" in html


ALS = [
    "oryx.serving.model-manager-class=com.cloudera.oryx.app.serving.als.model.ALSServingModelManager",
    "oryx.serving.application-resources=com.cloudera.oryx.app.serving.als",
]


def path_value(html: str, path: str, name: str) -> str:
    form = html[html.index(f'data-path="{path}"') :]
    found = re.search(rf'data-in="path" name="{name}" value="([^"]*)"', form)
    assert found is not None
    return found.group(1)


def test_als_forms_start_with_ids_of_the_loaded_model(
    make_app: Callable[..., Flask], publish: Callable[[str, str], None], caught_up: Callable[[Flask], None]
) -> None:
    app = make_app(*ALS)
    description = ALSModelDescription(features=1, implicit=True, x_ids=("42", "7"), y_ids=("b/c", "1196", "260"))
    publish("MODEL", write_pmml(build_als_pmml(description)))
    for item in description.y_ids:
        publish("UP", format_y_update(item, np.array([1.0])))
    for user in description.x_ids:
        publish("UP", format_x_update(user, np.array([1.0]), []))
    caught_up(app)
    html = app.test_client().get("/").text
    assert "<h2>Alternating Least Squares</h2>" in html
    assert path_value(html, "/recommend/{user_id}", "user_id") == "42"
    assert path_value(html, "/recommendToMany/{user_ids}", "user_ids") == "42/7"
    assert path_value(html, "/similarity/{items}", "items") == "1196/260"  # "b/c" cannot be one path segment
    assert path_value(html, "/because/{user_id}/{item_id}", "item_id") == "1196"


def test_als_forms_keep_the_declared_examples_until_a_model_loads(make_app: Callable[..., Flask]) -> None:
    html = make_app(*ALS).test_client().get("/").text
    assert path_value(html, "/recommend/{user_id}", "user_id") == "u1"
