"""The ALS app's registration (entry point ``oryx.apps: als``): its class per layer and Oryx 2 names."""

from __future__ import annotations

from oryx_core.app_registry import AppRegistration, JavaNames

APP = AppRegistration(
    name="als",
    batch_update_class="oryx_assets.apps.als.ALSUpdate",
    speed_manager_class="oryx_streaming.apps.als.ALSSpeedModelManager",
    serving_manager_class="oryx_serving.apps.als.manager.ALSServingModelManager",
    serving_resources="oryx_serving.apps.als",
    config_rules="oryx_core.apps.als.config_rules",
    config_section="oryx.als",
    demo="oryx_cli.demos.als.demo:prepare_demo",
    java=JavaNames(
        batch_update_class="com.cloudera.oryx.app.batch.mllib.als.ALSUpdate",
        speed_manager_class="com.cloudera.oryx.app.speed.als.ALSSpeedModelManager",
        serving_manager_class="com.cloudera.oryx.app.serving.als.model.ALSServingModelManager",
        resource_packages=("com.cloudera.oryx.app.serving.als",),
    ),
)
