"""The web console at ``/`` and ``/index.html``: one form per endpoint of the configured apps, like Oryx 2's.

The page is rendered from the endpoint registries (``lambda_.registry``), so a new endpoint appears on the
console as soon as its app declares it. Each form is sent by ``static/console.js`` with ``fetch`` and the answer
(status line and body) is shown under it. The page carries Oryx 2's headers (``X-Frame-Options: SAMEORIGIN``,
``Cache-Control: public``) plus a Content-Security-Policy that allows only this origin's script and style, which
is why the page has no inline script.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Response, current_app, render_template

from oryx_serving.lambda_.formats import CSV_TYPES, JSON_TYPE
from oryx_serving.lambda_.registry import ApiBlueprint, Endpoint, api_blueprints
from oryx_serving.lambda_.settings import ServingSettings

SETTINGS_KEY = "oryx_console"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'self'; base-uri 'none'"
)

blueprint = ApiBlueprint(
    "oryx_console",
    __name__,
    title="Web console",
    generic=True,
    template_folder="templates",
    static_folder="static",
    static_url_path="/console/static",
)


@dataclass(frozen=True)
class Section:
    title: str
    description: str
    endpoints: list[tuple[str, Endpoint]]
    """(method, endpoint) pairs, one form each; HEAD is left out where GET is offered."""


def _sections() -> list[Section]:
    # The apps' own endpoints first: they are what a console user came for; readiness after them.
    sections = []
    for bp in sorted(api_blueprints(current_app), key=lambda b: b.generic):
        forms = [(e.methods[0], e) for e in bp.endpoints if e.console]
        if forms:
            sections.append(Section(bp.title, bp.description, forms))
    return sections


def index() -> Response:
    settings: ServingSettings = current_app.extensions[SETTINGS_KEY]
    html = render_template(
        "console.html",
        sections=_sections(),
        base=settings.context_path,
        csv_type=CSV_TYPES[0],
        json_type=JSON_TYPE,
        read_only=settings.read_only,
    )
    response = Response(html, mimetype="text/html")
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "public"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


blueprint.api_route("/", index, "GET", summary="The web console", produces=("text/html",), console=False)
blueprint.api_route("/index.html", index, "GET", summary="The web console", produces=("text/html",), console=False)


def init_app(app: Flask, settings: ServingSettings) -> None:
    app.extensions[SETTINGS_KEY] = settings
