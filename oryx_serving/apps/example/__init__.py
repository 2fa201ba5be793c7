"""The word-count example app's serving endpoints (Oryx 2's ``com.cloudera.oryx.example.serving``).

Configured with ``oryx.serving.application-resources = "com.cloudera.oryx.example.serving"`` (or this
package's name) and ``oryx.serving.model-manager-class`` naming ``ExampleServingModelManager``.
"""

from __future__ import annotations

from oryx_serving.apps.example import endpoints
from oryx_serving.lambda_.registry import ApiBlueprint

blueprint = ApiBlueprint(
    "example",
    __name__,
    title="Word count example",
    description="Each word's count of distinct other words seen on the same input line.",
)
endpoints.register(blueprint)
