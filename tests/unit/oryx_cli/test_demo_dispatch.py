"""`oryx demo` picks its demo from the serving layer's model manager and refuses apps it has no demo for."""

from __future__ import annotations

from pathlib import Path

import pytest

from oryx_cli.demo import demo_app
from oryx_cli.main import main
from oryx_core.config import ConfigError, OryxConfig, load_config

MANAGER = "oryx.serving.model-manager-class"


def config_with_manager(name: str) -> OryxConfig:
    return load_config(None, [f"{MANAGER}={name}"])


@pytest.mark.parametrize(
    ("manager", "app"),
    [
        ("com.cloudera.oryx.app.serving.als.model.ALSServingModelManager", "als"),
        ("com.cloudera.oryx.app.serving.kmeans.model.KMeansServingModelManager", "kmeans"),
        ("com.cloudera.oryx.app.serving.rdf.model.RDFServingModelManager", "rdf"),
        ("com.cloudera.oryx.example.serving.ExampleServingModelManager", "example"),
        ("oryx_serving.apps.kmeans.manager.KMeansServingModelManager", "kmeans"),
        ("oryx_serving.apps.rdf.manager.RDFServingModelManager", "rdf"),
    ],
)
def test_demo_app_follows_the_serving_model_manager_by_java_or_python_name(manager: str, app: str) -> None:
    assert demo_app(config_with_manager(manager)) == app


def test_demo_app_names_the_key_and_the_known_apps_for_an_unknown_manager() -> None:
    with pytest.raises(ConfigError, match="model-manager-class.*KMeansServingModelManager.*'my.app.MyManager'"):
        demo_app(config_with_manager("my.app.MyManager"))


def test_a_class_merely_ending_like_a_known_manager_is_not_taken_for_it() -> None:
    with pytest.raises(ConfigError):
        demo_app(config_with_manager("my.app.NotKMeansServingModelManager"))


def up_stack(state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What `oryx up` leaves behind that `oryx demo` checks: the effective config."""
    monkeypatch.setenv("ORYX_STATE_DIR", str(state))
    (state / "stack").mkdir(parents=True)
    (state / "stack" / "effective.conf").write_text("oryx {}\n")


def test_oryx_demo_exits_2_with_the_reason_for_an_app_without_a_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    up_stack(tmp_path, monkeypatch)
    assert main(["demo", "-D", f"{MANAGER}=my.app.MyManager"]) == 2
    assert (
        "oryx demo knows the apps als (oryx_serving.apps.als.manager.ALSServingModelManager)" in capsys.readouterr().err
    )


def test_oryx_demo_refuses_a_data_file_for_kmeans_before_touching_the_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    up_stack(tmp_path, monkeypatch)
    manager = "com.cloudera.oryx.app.serving.kmeans.model.KMeansServingModelManager"
    assert main(["demo", "-D", f"{MANAGER}={manager}", "--data-file", "iris.csv"]) == 2
    assert "--data-file" in capsys.readouterr().err


def test_each_shipped_app_registers_a_demo_entry_that_imports() -> None:
    from oryx_cli.demo import demo_apps
    from oryx_core.app_registry import import_attribute

    apps = demo_apps()
    assert {"als", "example", "kmeans", "rdf"} <= set(apps)
    assert all(callable(import_attribute(app.demo or "")) for app in apps.values())
