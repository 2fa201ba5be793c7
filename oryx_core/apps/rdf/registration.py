"""The random decision forest app's registration (entry point ``oryx.apps: rdf``): its classes and Oryx 2 names."""

from __future__ import annotations

from oryx_core.app_registry import AppRegistration, JavaNames

APP = AppRegistration(
    name="rdf",
    batch_update_class="oryx_assets.apps.rdf.RDFUpdate",
    speed_manager_class="oryx_streaming.apps.rdf.RDFSpeedModelManager",
    serving_manager_class="oryx_serving.apps.rdf.manager.RDFServingModelManager",
    serving_resources="oryx_serving.apps.rdf",
    config_rules="oryx_core.apps.rdf.config_rules",
    config_section="oryx.rdf",
    demo="oryx_cli.demos.rdf.demo:prepare_demo",
    java=JavaNames(
        batch_update_class="com.cloudera.oryx.app.batch.mllib.rdf.RDFUpdate",
        speed_manager_class="com.cloudera.oryx.app.speed.rdf.RDFSpeedModelManager",
        serving_manager_class="com.cloudera.oryx.app.serving.rdf.model.RDFServingModelManager",
        # Oryx 2 splits forest endpoints into a generic classification/regression package and an RDF one.
        resource_packages=("com.cloudera.oryx.app.serving.classreg", "com.cloudera.oryx.app.serving.rdf"),
    ),
)
