"""The k-means app's registration (entry point ``oryx.apps: kmeans``): its class per layer and Oryx 2 names."""

from __future__ import annotations

from oryx_core.app_registry import AppRegistration, JavaNames

APP = AppRegistration(
    name="kmeans",
    batch_update_class="oryx_assets.apps.kmeans.KMeansUpdate",
    speed_manager_class="oryx_streaming.apps.kmeans.KMeansSpeedModelManager",
    serving_manager_class="oryx_serving.apps.kmeans.manager.KMeansServingModelManager",
    serving_resources="oryx_serving.apps.kmeans",
    config_rules="oryx_core.apps.kmeans.config_rules",
    config_section="oryx.kmeans",
    demo="oryx_cli.demos.kmeans.demo:prepare_demo",
    java=JavaNames(
        batch_update_class="com.cloudera.oryx.app.batch.mllib.kmeans.KMeansUpdate",
        speed_manager_class="com.cloudera.oryx.app.speed.kmeans.KMeansSpeedModelManager",
        serving_manager_class="com.cloudera.oryx.app.serving.kmeans.model.KMeansServingModelManager",
        # Oryx 2 splits k-means endpoints into a generic clustering package and a k-means one.
        resource_packages=("com.cloudera.oryx.app.serving.clustering", "com.cloudera.oryx.app.serving.kmeans"),
    ),
)
