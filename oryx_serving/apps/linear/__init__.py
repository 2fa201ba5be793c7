"""The linear regression app's serving endpoints: ``/predict`` and ``/train`` (``endpoints.py``) over the model
its manager follows (``manager.py``).

Configured with ``oryx.serving.application-resources = "oryx_serving.apps.linear"`` and
``oryx.serving.model-manager-class = "oryx_serving.apps.linear.manager.LinearServingModelManager"``.
"""

from __future__ import annotations

from oryx_serving.apps.linear import endpoints
from oryx_serving.lambda_.registry import ApiBlueprint

blueprint = ApiBlueprint(
    "linear",
    __name__,
    title="Linear regression",
    description="Predicts a numeric target as a ridge regression of the numeric features.",
)
endpoints.register(blueprint)
