"""The linear speed manager follows the batch layer's model and, by design, publishes no update."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from oryx_core.apps.linear.model import LinearModel
from oryx_core.apps.linear.pmml import build_linear_pmml
from oryx_core.config import load_config
from oryx_core.ml.pmml import write_pmml
from oryx_streaming.apps.linear import LinearSpeedModelManager

SCHEMA = [
    'oryx.input-schema.feature-names=["a", "y"]',
    "oryx.input-schema.categorical-features=[]",
    "oryx.input-schema.target-feature=y",
]


def loaded_manager() -> LinearSpeedModelManager:
    manager = LinearSpeedModelManager(load_config(None, SCHEMA))
    pmml = build_linear_pmml(manager.state.schema, LinearModel(1.0, np.array([2.0])), 0.0, 0.0)
    manager.consume_key_message("MODEL", write_pmml(pmml))
    return manager


def test_the_model_is_followed_and_no_micro_batch_produces_updates(batch_of: Callable[..., Any]) -> None:
    assert LinearSpeedModelManager(load_config(None, SCHEMA)).fraction_loaded() is None
    manager = loaded_manager()
    assert manager.fraction_loaded() == 1.0
    model = manager.state.model
    assert model is not None and model.predict(np.array([3.0])) == pytest.approx(7.0)
    assert list(manager.build_updates(batch_of("1,2", "3,7"))) == []
    manager.close()
    assert manager.fraction_loaded() is None


def test_an_up_message_is_ignored_as_every_speed_manager_ignores_them() -> None:
    manager = loaded_manager()
    before = manager.state.model
    manager.consume_key_message("UP", "[]")
    assert manager.state.model is before


def test_an_unknown_key_is_refused() -> None:
    with pytest.raises(ValueError, match="linear model state cannot apply update-topic key 'X'"):
        loaded_manager().consume_key_message("X", "")
