"""Class names from configuration: Oryx 2 Java names, Python paths, construction and endpoint packages."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from oryx_core.classnames import (
    JAVA_CLASSES,
    JAVA_RESOURCE_PACKAGES,
    instantiate,
    load_class,
    resolve_resource_packages,
)
from oryx_core.config import ConfigError, OryxConfig, load_config, validate_class_key

KEY = "oryx.batch.update-class"
FIXTURES = Path(__file__).parent / "fixtures"


class TakesConfig:
    def __init__(self, config: OryxConfig) -> None:
        self.config = config


class TakesNothing:
    def __init__(self) -> None:
        self.built = True


class TakesTwo:
    def __init__(self, a: object, b: object) -> None:
        self.a, self.b = a, b


@pytest.fixture
def fake_example_batch(monkeypatch: pytest.MonkeyPatch) -> type:
    """Stands in for the example app's batch module, which another part of the project provides."""
    module = types.ModuleType("oryx_assets.apps.example")
    cls = type("ExampleBatchLayerUpdate", (), {"__module__": module.__name__})
    module.ExampleBatchLayerUpdate = cls  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return cls


@pytest.fixture
def this_module(monkeypatch: pytest.MonkeyPatch) -> str:
    """Registers this test module under a stable import name so its classes can be named by path."""
    name = "oryx_test_classnames_subjects"
    monkeypatch.setitem(sys.modules, name, sys.modules[__name__])
    return name


@pytest.fixture(scope="module")
def config() -> OryxConfig:
    return load_config()


def test_java_names_map_into_our_layer_packages() -> None:
    layers = {"batch": "oryx_assets.", "speed": "oryx_streaming.", "serving": "oryx_serving."}
    for java, python in JAVA_CLASSES.items():
        layer = next(name for name in layers if f".{name}." in java)
        assert python.startswith(layers[layer]), java
        assert python.rsplit(".", 1)[1] == java.rsplit(".", 1)[1], java


def test_load_class_by_java_name(fake_example_batch: type) -> None:
    assert load_class("com.cloudera.oryx.example.batch.ExampleBatchLayerUpdate", KEY) is fake_example_batch


@pytest.mark.parametrize("name", ["collections.OrderedDict", "collections:OrderedDict", " collections.OrderedDict "])
def test_load_class_by_python_path(name: str) -> None:
    from collections import OrderedDict

    assert load_class(name, KEY) is OrderedDict


def test_load_class_by_colon_path_to_nested_class() -> None:
    assert load_class("email.headerregistry:Address", KEY).__name__ == "Address"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("no_such_package.module.Thing", "cannot be found"),
        ("collections.NoSuchClass", "NoSuchClass"),
        ("collections:NoSuchClass", "NoSuchClass"),
        ("no_such_package.module:Thing", "cannot be found"),
        ("collections.namedtuple", "not a class"),
        ("com.cloudera.oryx.app.batch.mllib.foo.FooUpdate", "no Python equivalent"),
        ("not a class name", "not a class name like"),
        ("OrderedDict", "names no module"),
        ("", "empty"),
    ],
)
def test_unloadable_class_error_names_the_key(name: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem) as caught:
        load_class(name, KEY)
    assert caught.value.key == KEY


def test_failing_import_inside_the_module_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "oryx_test_broken_app.py").write_text("import oryx_test_missing_dependency\nclass App: ...\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConfigError, match="oryx_test_missing_dependency") as caught:
        load_class("oryx_test_broken_app.App", KEY)
    assert caught.value.key == KEY


def test_instantiate_prefers_the_config_constructor(this_module: str, config: OryxConfig) -> None:
    built = instantiate(f"{this_module}.TakesConfig", KEY, config)
    assert isinstance(built, TakesConfig)
    assert built.config is config


def test_instantiate_falls_back_to_no_arguments(this_module: str, config: OryxConfig) -> None:
    assert instantiate(f"{this_module}:TakesNothing", KEY, config).built


def test_instantiate_rejects_other_constructors(this_module: str, config: OryxConfig) -> None:
    with pytest.raises(ConfigError, match="TakesTwo") as caught:
        instantiate(f"{this_module}.TakesTwo", KEY, config)
    assert caught.value.key == KEY


def test_validate_class_key_loads_the_configured_class(fake_example_batch: type) -> None:
    config = load_config(FIXTURES / "wordcount-example.conf")
    assert validate_class_key(config, KEY) is fake_example_batch


def test_validate_class_key_reports_a_missing_app_module() -> None:
    config = load_config(overrides={KEY: "oryx_test_no_such_app.Update"})
    with pytest.raises(ConfigError, match="oryx_test_no_such_app") as caught:
        validate_class_key(config, KEY)
    assert caught.value.key == KEY


RESOURCES = "oryx.serving.application-resources"


@pytest.mark.parametrize(
    ("conf", "expected"),
    [
        ("als-example.conf", ["oryx_serving.apps.als"]),
        ("kmeans-example.conf", ["oryx_serving.apps.kmeans"]),
        ("rdf-classification-example.conf", ["oryx_serving.apps.rdf"]),
        ("wordcount-example.conf", ["oryx_serving.apps.example"]),
    ],
)
def test_example_resources_resolve_to_one_app_package(conf: str, expected: list[str]) -> None:
    value = load_config(FIXTURES / conf).get_optional_string(RESOURCES)
    assert resolve_resource_packages(value, RESOURCES) == expected


def test_python_resource_packages_are_kept_in_order_without_repeats() -> None:
    value = "my_app.endpoints, com.cloudera.oryx.app.serving.als,my_app.endpoints,,oryx_serving.apps.als"
    assert resolve_resource_packages(value, RESOURCES) == ["my_app.endpoints", "oryx_serving.apps.als"]


def test_unset_resources_resolve_to_nothing() -> None:
    assert resolve_resource_packages(None, RESOURCES) == []


def test_generic_java_packages_resolve_to_nothing() -> None:
    generic = [java for java, python in JAVA_RESOURCE_PACKAGES.items() if python is None]
    assert resolve_resource_packages(",".join(generic), RESOURCES) == []


@pytest.mark.parametrize("value", ["com.cloudera.oryx.app.serving.foo", "my-app.endpoints"])
def test_unknown_resource_package_error_names_the_key(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_resource_packages(value, RESOURCES)
    assert caught.value.key == RESOURCES
