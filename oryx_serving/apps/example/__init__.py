"""The word-count example app's serving endpoints (Oryx 2's ``com.cloudera.oryx.example.serving``).

Configured with ``oryx.serving.application-resources = "com.cloudera.oryx.example.serving"`` (or this
package's name) and ``oryx.serving.model-manager-class`` naming ``ExampleServingModelManager``.
"""

from __future__ import annotations

from flask import Blueprint

from oryx_serving.apps.example import endpoints

blueprint = Blueprint("example", __name__)
endpoints.register(blueprint)
