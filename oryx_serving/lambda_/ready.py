"""``GET|HEAD /ready``: 200 once the model has loaded enough to answer, else 503 (for load balancers)."""

from __future__ import annotations

from flask import Blueprint, Response

from oryx_serving.lambda_.errors import require_model
from oryx_serving.lambda_.model_manager import serving_state

blueprint = Blueprint("oryx", __name__)


@blueprint.route("/ready", methods=["GET", "HEAD"])
def ready() -> Response:
    require_model(serving_state())
    return Response(status=200)
