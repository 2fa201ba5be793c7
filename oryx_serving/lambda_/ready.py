"""``GET|HEAD /ready``: 200 once the model has loaded enough to answer, else 503 (for load balancers).

The body stays empty, as in Oryx 2. The ``Oryx-Model-Generation`` header names the batch generation (epoch ms)
the current model came from. After a roll back, this is how an operator sees that serving switched.
"""

from __future__ import annotations

from flask import Response

from oryx_serving.lambda_.errors import require_model
from oryx_serving.lambda_.registry import ApiBlueprint
from oryx_serving.lambda_.state import serving_state

blueprint = ApiBlueprint("oryx", __name__, title="Readiness", generic=True)


MODEL_GENERATION_HEADER = "Oryx-Model-Generation"


def ready() -> Response:
    state = serving_state()
    require_model(state)
    response = Response(status=200)
    generation = state.follower.model_generation if state.follower is not None else None
    if generation is not None:
        response.headers[MODEL_GENERATION_HEADER] = str(generation)
    return response


blueprint.api_route(
    "/ready",
    ready,
    ("GET", "HEAD"),
    summary="200 with an empty body once the model is loaded enough to answer queries, else 503",
    produces=("text/plain",),
    needs_model=True,
)
