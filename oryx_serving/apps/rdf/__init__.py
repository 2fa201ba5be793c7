"""The random decision forest serving endpoints (Oryx 2's ``com.cloudera.oryx.app.serving.{classreg,rdf}``).

Configured with ``oryx.serving.application-resources = "com.cloudera.oryx.app.serving,...classreg,...rdf"`` (or
this package's name) and ``oryx.serving.model-manager-class`` naming ``RDFServingModelManager``.
"""

from __future__ import annotations

from oryx_serving.apps.rdf import endpoints
from oryx_serving.lambda_.registry import ApiBlueprint

blueprint = ApiBlueprint(
    "rdf",
    __name__,
    title="Random Decision Forests",
    description="Classification or regression with a forest of decision trees: predictions, class "
    "distributions, feature importances, and new training examples.",
)
endpoints.register(blueprint)
