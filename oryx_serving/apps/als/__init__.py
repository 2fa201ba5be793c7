"""The ALS collaborative-filtering app's serving endpoints (Oryx 2's ``com.cloudera.oryx.app.serving.als``).

Configured with ``oryx.serving.application-resources = "com.cloudera.oryx.app.serving.als"`` (or this
package's name) and ``oryx.serving.model-manager-class`` naming ``ALSServingModelManager``. The endpoints are
split by what they answer: ``recommend``, ``similarity``, ``estimate``, ``popularity`` and ``ingest``.
"""

from __future__ import annotations

from oryx_serving.apps.als import estimate, examples, ingest, popularity, recommend, similarity
from oryx_serving.lambda_.registry import ApiBlueprint

blueprint = ApiBlueprint(
    "als",
    __name__,
    title="Alternating Least Squares",
    description="Collaborative filtering: recommendations, similar items and estimates from the latest ALS model; "
    "interactions as input.",
    live_examples=examples.console_examples,
)
for module in (recommend, similarity, estimate, popularity, ingest):
    module.register(blueprint)
