"""Apps register themselves through the ``oryx.apps`` entry points; Oryx 2's Java names come from there."""

from __future__ import annotations

import importlib.metadata

import pytest

from oryx_core import app_registry
from oryx_core.app_registry import AppRegistration, AppRegistryError, JavaNames, registered_apps
from oryx_core.classnames import GENERIC_JAVA_RESOURCE_PACKAGES, JAVA_CLASSES, JAVA_RESOURCE_PACKAGES, load_class

KEY = "oryx.serving.model-manager-class"

ORYX2_CLASSES = {
    "com.cloudera.oryx.example.batch.ExampleBatchLayerUpdate": "oryx_assets.apps.example.ExampleBatchLayerUpdate",
    "com.cloudera.oryx.example.speed.ExampleSpeedModelManager": "oryx_streaming.apps.example.ExampleSpeedModelManager",
    "com.cloudera.oryx.example.serving.ExampleServingModelManager": (
        "oryx_serving.apps.example.manager.ExampleServingModelManager"
    ),
    "com.cloudera.oryx.app.batch.mllib.als.ALSUpdate": "oryx_assets.apps.als.ALSUpdate",
    "com.cloudera.oryx.app.batch.mllib.kmeans.KMeansUpdate": "oryx_assets.apps.kmeans.KMeansUpdate",
    "com.cloudera.oryx.app.batch.mllib.rdf.RDFUpdate": "oryx_assets.apps.rdf.RDFUpdate",
    "com.cloudera.oryx.app.speed.als.ALSSpeedModelManager": "oryx_streaming.apps.als.ALSSpeedModelManager",
    "com.cloudera.oryx.app.speed.kmeans.KMeansSpeedModelManager": "oryx_streaming.apps.kmeans.KMeansSpeedModelManager",
    "com.cloudera.oryx.app.speed.rdf.RDFSpeedModelManager": "oryx_streaming.apps.rdf.RDFSpeedModelManager",
    "com.cloudera.oryx.app.serving.als.model.ALSServingModelManager": (
        "oryx_serving.apps.als.manager.ALSServingModelManager"
    ),
    "com.cloudera.oryx.app.serving.kmeans.model.KMeansServingModelManager": (
        "oryx_serving.apps.kmeans.manager.KMeansServingModelManager"
    ),
    "com.cloudera.oryx.app.serving.rdf.model.RDFServingModelManager": (
        "oryx_serving.apps.rdf.manager.RDFServingModelManager"
    ),
}
"""What the hard-coded map held before apps registered themselves: Oryx 2 configs must keep meaning this."""

ORYX2_RESOURCE_PACKAGES = {
    "com.cloudera.oryx.app.serving": None,
    "com.cloudera.oryx.lambda.serving": None,
    "com.cloudera.oryx.app.serving.als": "oryx_serving.apps.als",
    "com.cloudera.oryx.app.serving.clustering": "oryx_serving.apps.kmeans",
    "com.cloudera.oryx.app.serving.kmeans": "oryx_serving.apps.kmeans",
    "com.cloudera.oryx.app.serving.classreg": "oryx_serving.apps.rdf",
    "com.cloudera.oryx.app.serving.rdf": "oryx_serving.apps.rdf",
    "com.cloudera.oryx.example.serving": "oryx_serving.apps.example",
}


def test_every_oryx2_java_class_still_maps_to_the_same_python_class() -> None:
    assert {java: JAVA_CLASSES[java] for java in ORYX2_CLASSES} == ORYX2_CLASSES


def test_every_oryx2_resource_package_still_maps_to_the_same_endpoints() -> None:
    assert {java: JAVA_RESOURCE_PACKAGES[java] for java in ORYX2_RESOURCE_PACKAGES} == ORYX2_RESOURCE_PACKAGES
    assert all(JAVA_RESOURCE_PACKAGES[java] is None for java in GENERIC_JAVA_RESOURCE_PACKAGES)


@pytest.mark.parametrize("java", sorted(ORYX2_CLASSES))
def test_every_oryx2_java_class_loads_the_class_of_the_same_name(java: str) -> None:
    assert load_class(java, KEY).__name__ == java.rsplit(".", 1)[1]


def test_the_five_shipped_apps_are_registered_by_entry_point() -> None:
    assert {"als", "example", "kmeans", "linear", "rdf"} <= set(registered_apps())
    assert list(registered_apps()) == sorted(registered_apps())


@pytest.mark.parametrize("name", ["als", "example", "kmeans", "linear", "rdf"])
def test_each_registered_class_and_package_can_be_imported(name: str) -> None:
    app = registered_apps()[name]
    for path in (app.batch_update_class, app.speed_manager_class, app.serving_manager_class):
        assert path is not None
        assert load_class(path, KEY).__name__ == path.rsplit(".", 1)[1]
    assert app.serving_resources is not None
    assert importlib.import_module(app.serving_resources).blueprint.name


def fake_entry_points(monkeypatch: pytest.MonkeyPatch, **registrations: AppRegistration | str) -> None:
    """Entry points as installed metadata would give them, each pointing at an attribute of this module."""
    entry_points = []
    for name, registration in registrations.items():
        monkeypatch.setitem(globals(), f"REGISTRATION_{name}", registration)
        entry_points.append(importlib.metadata.EntryPoint(name, f"{__name__}:REGISTRATION_{name}", "oryx.apps"))
    monkeypatch.setattr(app_registry.importlib.metadata, "entry_points", lambda group: entry_points)


def registry_read_again() -> object:
    return app_registry.registered_apps.__wrapped__()


def test_an_entry_point_that_is_no_registration_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_entry_points(monkeypatch, mine="not a registration")
    with pytest.raises(AppRegistryError, match="'mine'.*is not an AppRegistration"):
        registry_read_again()


def test_an_entry_point_must_carry_its_app_name(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_entry_points(monkeypatch, mine=AppRegistration(name="other"))
    with pytest.raises(AppRegistryError, match="'mine' registers an app named 'other'"):
        registry_read_again()


def test_two_apps_claiming_one_java_name_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    java = JavaNames(resource_packages=("com.cloudera.oryx.app.serving.als",))
    fake_entry_points(monkeypatch, a=AppRegistration(name="a", java=java), b=AppRegistration(name="b", java=java))
    with pytest.raises(AppRegistryError, match="apps 'a' and 'b' both claim 'com.cloudera.oryx.app.serving.als'"):
        registry_read_again()


def test_java_classes_pair_only_layers_the_app_has() -> None:
    app = AppRegistration(
        name="half",
        batch_update_class="my_app.batch.Update",
        java=JavaNames(batch_update_class="com.acme.Update", speed_manager_class="com.acme.Speed"),
    )
    assert app.java_classes() == {"com.acme.Update": "my_app.batch.Update"}


@pytest.mark.parametrize("name", ["als", "kmeans", "linear", "rdf"])
def test_each_apps_config_section_holds_its_defaults_and_its_rules_load(name: str) -> None:
    from oryx_core.config import load_config

    app = registered_apps()[name]
    assert app.config_section == f"oryx.{name}"
    assert load_config().get_value(app.config_section)
    assert importlib.import_module(app.config_rules or "").RULES
