"""The linear regression app's registration (entry point ``oryx.apps: linear``), the README's example of one.

Dotted strings only: reading this imports no layer. It has no Oryx 2 Java names (Oryx 2 had no such app).
"""

from __future__ import annotations

from oryx_core.app_registry import AppRegistration

APP = AppRegistration(
    name="linear",
    batch_update_class="oryx_assets.apps.linear.LinearUpdate",
    speed_manager_class="oryx_streaming.apps.linear.LinearSpeedModelManager",
    serving_manager_class="oryx_serving.apps.linear.manager.LinearServingModelManager",
    serving_resources="oryx_serving.apps.linear",
    config_rules="oryx_core.apps.linear.config_rules",
    config_section="oryx.linear",
    reference_conf="oryx_core.apps.linear:reference.conf",
    demo="oryx_cli.demos.linear.demo:prepare_demo",
)
