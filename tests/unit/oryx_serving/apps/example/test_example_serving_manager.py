"""The word-count example's manager: MODEL replaces, UP sets one word, UP before MODEL is skipped."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from oryx_core.config import load_config
from oryx_core.ml.pmml import UnsafePMMLError
from oryx_serving.apps.example.manager import ExampleServingModelManager
from oryx_serving.apps.example.model import ExampleServingModel


@pytest.fixture
def manager() -> ExampleServingModelManager:
    return ExampleServingModelManager(load_config())


def test_no_model_before_the_first_model_message(manager: ExampleServingModelManager) -> None:
    assert manager.get_model() is None


def test_model_message_loads_the_json_map_fully(manager: ExampleServingModelManager) -> None:
    manager.consume_key_message("MODEL", '{"a":2,"b":1}')
    model = manager.get_model()
    assert model is not None
    assert (model.get_words(), model.get_fraction_loaded()) == ({"a": 2, "b": 1}, 1.0)


def test_a_new_model_replaces_the_old_one(manager: ExampleServingModelManager) -> None:
    manager.consume_key_message("MODEL", '{"a":2,"b":1}')
    manager.consume_key_message("MODEL", '{"c":5}')
    model = manager.get_model()
    assert model is not None and model.get_words() == {"c": 5}


def test_up_sets_that_words_count(manager: ExampleServingModelManager) -> None:
    manager.consume_key_message("MODEL", '{"a":2}')
    manager.consume_key_message("UP", "a,7")
    manager.consume_key_message("UP", "new,1")
    model = manager.get_model()
    assert model is not None and model.get_words() == {"a": 7, "new": 1}


def test_up_before_any_model_is_skipped(manager: ExampleServingModelManager) -> None:
    manager.consume_key_message("UP", "a,7")
    manager.consume_key_message("MODEL", '{"b":1}')
    model = manager.get_model()
    assert model is not None and model.get_words() == {"b": 1}


def test_a_malformed_up_raises_so_the_follower_logs_and_skips_it(manager: ExampleServingModelManager) -> None:
    manager.consume_key_message("MODEL", '{"a":2}')
    with pytest.raises(ValueError):
        manager.consume_key_message("UP", "no-count-here")


def test_an_unknown_key_raises(manager: ExampleServingModelManager) -> None:
    with pytest.raises(ValueError, match="'NOPE'"):
        manager.consume_key_message("NOPE", "whatever")


def model_dir_manager(model_dir: Path) -> ExampleServingModelManager:
    return ExampleServingModelManager(load_config(None, [f"oryx.batch.storage.model-dir=file:{model_dir}"]))


def test_model_ref_inside_the_model_dir_loads_that_file(tmp_path: Path) -> None:
    (tmp_path / "123").mkdir()
    (tmp_path / "123" / "model.json").write_text('{"a":4}')
    manager = model_dir_manager(tmp_path)
    manager.consume_key_message("MODEL-REF", f"file:{tmp_path}/123/model.json")
    model = manager.get_model()
    assert model is not None and model.get_words() == {"a": 4}


def test_model_ref_outside_the_model_dir_is_refused_and_the_model_kept(tmp_path: Path) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text('{"leaked":1}')
    (tmp_path / "models").mkdir()
    manager = model_dir_manager(tmp_path / "models")
    manager.consume_key_message("MODEL", '{"a":2}')
    with pytest.raises(UnsafePMMLError, match="outside the model directory"):
        manager.consume_key_message("MODEL-REF", f"{tmp_path}/models/../secret.json")
    model = manager.get_model()
    assert model is not None and model.get_words() == {"a": 2}


def test_model_is_safe_to_read_while_updates_arrive() -> None:
    model = ExampleServingModel({})
    writer = threading.Thread(target=lambda: [model.set_count(f"w{i}", i) for i in range(20_000)])
    writer.start()
    snapshots = [len(model.get_words()) for _ in range(200)]
    writer.join()
    assert snapshots == sorted(snapshots) and len(model) == 20_000
