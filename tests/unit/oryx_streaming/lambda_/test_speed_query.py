"""Query naming, checkpoint placement and trigger interval, from configuration alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from oryx_core.config import ConfigError, load_config
from oryx_streaming.lambda_.query import (
    app_name,
    checkpoint_location,
    max_offsets_per_trigger,
    query_name,
    trigger_interval,
)


class ALSSpeedModelManager:
    pass


@pytest.mark.parametrize(
    ("manager", "expected"),
    [
        ("oryx_streaming.apps.example.ExampleSpeedModelManager", "example"),
        ("com.cloudera.oryx.app.speed.kmeans.KMeansSpeedModelManager", "kmeans"),
        ("mycompany.speed.Custom_Thing", "custom-thing"),
    ],
)
def test_app_name_comes_from_the_manager_class_name(manager: str, expected: str) -> None:
    assert app_name(manager) == expected


def test_query_name_from_a_class_object() -> None:
    assert query_name(ALSSpeedModelManager) == "oryx-speed-als"


def test_default_checkpoint_is_under_the_state_dir_by_oryx_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORYX_STATE_DIR", str(tmp_path))
    config = load_config(None, ["oryx.id=demo"])
    assert checkpoint_location(config, "oryx-speed-example") == str(
        tmp_path / "checkpoints" / "demo" / "oryx-speed-example"
    )


def test_checkpoint_without_oryx_id_uses_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORYX_STATE_DIR", str(tmp_path))
    assert checkpoint_location(load_config(), "q") == str(tmp_path / "checkpoints" / "default" / "q")


def test_configured_checkpoint_dir_wins() -> None:
    config = load_config(None, ["oryx.speed.streaming.checkpoint-dir=/data/ckpt"])
    assert checkpoint_location(config, "q") == "/data/ckpt"


def test_trigger_interval_keeps_fractional_seconds() -> None:
    config = load_config(None, ["oryx.speed.streaming.generation-interval-sec=0.25"])
    assert trigger_interval(config) == "250 milliseconds"


def test_trigger_interval_default_is_oryx_ten_seconds() -> None:
    assert trigger_interval(load_config()) == "10000 milliseconds"


def test_max_offsets_per_trigger_is_off_by_default_and_must_be_positive() -> None:
    assert max_offsets_per_trigger(load_config()) is None
    assert max_offsets_per_trigger(load_config(None, ["oryx.speed.streaming.max-offsets-per-trigger=500"])) == 500
    with pytest.raises(ConfigError, match="max-offsets-per-trigger"):
        max_offsets_per_trigger(load_config(None, ["oryx.speed.streaming.max-offsets-per-trigger=0"]))
