"""``start_over`` (``oryx_core.api.rollback``) in both layers' ALS managers: after it, the next MODEL of the same
shape starts from an empty state, so no vector of the rolled-back model survives, its recent ones included.
Without it, the same MODEL keeps the IDs it lists and the recent ones, as in Oryx 2."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from oryx_core.api.rollback import StartsOver
from oryx_core.apps.als.messages import format_x_update, format_y_update
from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml
from oryx_core.config import load_config
from oryx_core.ml.pmml import write_pmml
from oryx_core.topics.messages import MODEL, UP, KeyMessage
from oryx_serving.apps.als.manager import ALSServingModelManager
from oryx_streaming.apps.als import ALSSpeedModelManager


def model(users: tuple[str, ...], items: tuple[str, ...]) -> KeyMessage:
    description = ALSModelDescription(features=2, implicit=True, x_ids=users, y_ids=items)
    return KeyMessage(MODEL, write_pmml(build_als_pmml(description, 0)))


def newer_generation() -> list[KeyMessage]:
    """A loaded model (u1, i1) and then a speed-layer vector for a new user, u9: recent."""
    return [
        model(("u1",), ("i1",)),
        KeyMessage(UP, format_y_update("i1", np.array([1.0, 0.0]))),
        KeyMessage(UP, format_x_update("u1", np.array([2.0, 2.0]), ["i1"])),
        KeyMessage(UP, format_x_update("u9", np.array([3.0, 3.0]), ["i1"])),
    ]


@pytest.fixture(params=["speed", "serving"])
def manager(request: pytest.FixtureRequest) -> Any:
    config = load_config(None, [])
    built = ALSSpeedModelManager(config) if request.param == "speed" else ALSServingModelManager(config)
    assert built.consume_key_messages(newer_generation()) == []
    assert isinstance(built, StartsOver)
    return built


def test_after_start_over_the_older_model_starts_empty(manager: Any) -> None:
    before = manager.get_model()
    manager.start_over()
    manager.consume_key_message(MODEL, model(("u1",), ("i1",)).message)
    state = manager.get_model()
    assert state is not before
    assert "u9" not in state.x and "u1" not in state.x and "i1" not in state.y
    assert manager.fraction_loaded() == 0.0  # u1 and i1 are expected again, from the older model's UPs
    manager.consume_key_message(MODEL, model(("u1",), ("i1",)).message)
    assert manager.get_model() is state  # start_over applies to one MODEL only


def test_without_start_over_the_same_model_keeps_its_ids_and_the_recent_ones(manager: Any) -> None:
    before = manager.get_model()
    manager.consume_key_message(MODEL, model(("u1",), ("i1",)).message)
    assert manager.get_model() is before
    assert "u9" in before.x and "u1" in before.x and manager.fraction_loaded() == 1.0
