"""The web console at ``/`` and ``/index.html``: one form per endpoint of the configured apps, like Oryx 2's.

The page keeps Oryx 2's texts (title and heading "Oryx Serving Layer", then each app's name) and starts each
ID field with an ID of the loaded model where the app offers one (``ApiBlueprint.live_examples``), so a first
click answers instead of 404.

The page is rendered from the endpoint registries (``lambda_.registry``), so a new endpoint appears on the
console as soon as its app declares it. Each form is sent by ``static/console.js`` with ``fetch`` and the answer
(status line and body) is shown under it. The page carries Oryx 2's headers (``X-Frame-Options: SAMEORIGIN``,
``Cache-Control: public``) plus a Content-Security-Policy that allows only this origin's script and style, which
is why the page has no inline script.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import Flask, Response, current_app, render_template

from oryx_serving.lambda_.formats import CSV_TYPES, JSON_TYPE
from oryx_serving.lambda_.registry import ApiBlueprint, Endpoint, Param, api_blueprints
from oryx_serving.lambda_.settings import ServingSettings

log = logging.getLogger(__name__)

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
    examples: Mapping[str, str] = field(default_factory=dict)
    """Parameter name -> the value its fields start with, from the loaded model where the app offers one."""

    def example(self, param: Param) -> str:
        return self.examples.get(param.name, param.example)


def _live_examples(bp: ApiBlueprint) -> Mapping[str, str]:
    """The app's values from its current model (IDs that exist), or none while there is no model."""
    if bp.live_examples is None:
        return {}
    try:
        return bp.live_examples()
    except Exception as error:  # no model yet (503), or a hook failing: the declared examples still serve
        log.debug("No live console examples from %s: %s", bp.name, error)
        return {}


def _sections() -> list[Section]:
    # The apps' own endpoints first: they are what a console user came for; readiness after them.
    sections = []
    for bp in sorted(api_blueprints(current_app), key=lambda b: b.generic):
        forms = [(e.methods[0], e) for e in bp.endpoints if e.console]
        if forms:
            sections.append(Section(bp.title, bp.description, forms, _live_examples(bp)))
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
