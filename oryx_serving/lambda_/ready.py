"""``GET|HEAD /ready``: 200 once the model has loaded enough to answer, else 503 (for load balancers)."""

from __future__ import annotations

from flask import Response

from oryx_serving.lambda_.errors import require_model
from oryx_serving.lambda_.registry import ApiBlueprint
from oryx_serving.lambda_.state import serving_state

blueprint = ApiBlueprint("oryx", __name__, title="Readiness", generic=True)


def ready() -> Response:
    require_model(serving_state())
    return Response(status=200)


blueprint.api_route(
    "/ready",
    ready,
    ("GET", "HEAD"),
    summary="200 with an empty body once the model is loaded enough to answer queries, else 503",
    produces=("text/plain",),
    needs_model=True,
)
