"""The word-count example's registration (entry point ``oryx.apps: example``): its classes and Oryx 2 names."""

from __future__ import annotations

from oryx_core.app_registry import AppRegistration, JavaNames

APP = AppRegistration(
    name="example",
    batch_update_class="oryx_assets.apps.example.ExampleBatchLayerUpdate",
    speed_manager_class="oryx_streaming.apps.example.ExampleSpeedModelManager",
    serving_manager_class="oryx_serving.apps.example.manager.ExampleServingModelManager",
    serving_resources="oryx_serving.apps.example",
    demo="oryx_cli.demos.example:prepare_demo",
    java=JavaNames(
        batch_update_class="com.cloudera.oryx.example.batch.ExampleBatchLayerUpdate",
        speed_manager_class="com.cloudera.oryx.example.speed.ExampleSpeedModelManager",
        serving_manager_class="com.cloudera.oryx.example.serving.ExampleServingModelManager",
        resource_packages=("com.cloudera.oryx.example.serving",),
    ),
)
