"""The k-means app's serving endpoints (Oryx 2's ``com.cloudera.oryx.app.serving.{clustering,kmeans}``).

Configured with ``oryx.serving.application-resources`` naming either Java package (or this package) and
``oryx.serving.model-manager-class`` naming ``KMeansServingModelManager``.
"""

from __future__ import annotations

from oryx_serving.apps.kmeans import endpoints
from oryx_serving.lambda_.registry import ApiBlueprint

blueprint = ApiBlueprint(
    "kmeans",
    __name__,
    title="K-means",
    description="Assigns points to the nearest cluster center; new points refine the centers.",
)
endpoints.register(blueprint)
