"""The "write new data" endpoints every app has in some form (``/add``, ``/train``): lines straight to the input topic.

Apps register these handlers under their own paths, so the 204-only-after-the-broker-acknowledged rule and the
body reading (plain, compressed, multipart) live in one place.
"""

from __future__ import annotations

from flask import Response

from oryx_serving.lambda_.formats import no_content, read_body_lines
from oryx_serving.lambda_.input import send_input
from oryx_serving.lambda_.state import serving_state

__all__ = ["forward_body_lines", "forward_line"]


def forward_line(**path: str) -> Response:
    """The path's one variable (``line``, ``datum``... as the app's route names it), unchanged, to the input topic;
    204 once the broker has it."""
    (line,) = path.values()
    send_input(serving_state(), [line])
    return no_content()


def forward_body_lines() -> Response:
    """Each body line, unchanged, to the input topic; 204 once the broker has them all."""
    send_input(serving_state(), read_body_lines())
    return no_content()
