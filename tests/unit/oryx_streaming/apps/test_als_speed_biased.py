"""The ALS speed layer on an explicit model with biases: fold-in moves factors and biases, never the 1s."""

from __future__ import annotations

import numpy as np
import pytest
from support.als_model_messages import load_model

from oryx_core.apps.als.messages import parse_update
from oryx_core.apps.als.model_pmml import ALSModelDescription
from oryx_core.config import load_config
from oryx_streaming.apps.als import ALSSpeedModelManager
from oryx_streaming.apps.als.updates import fold_in_records

MU = 3.0
ITEMS = {"a": [1.0, 0.0, 1.0, 1.0], "b": [0.0, 1.0, 1.0, -1.0], "c": [1.0, 1.0, 1.0, 0.0]}
USERS = {"u1": [1.0, 0.0, MU + 0.5, 1.0], "u2": [0.0, 1.0, MU - 0.5, 1.0], "u3": [0.5, 2.0, MU, 1.0]}


@pytest.fixture
def manager() -> ALSSpeedModelManager:
    manager = ALSSpeedModelManager(load_config(None, ["oryx.als.implicit=false"]))
    description = ALSModelDescription(
        4, implicit=False, x_ids=tuple(USERS), y_ids=tuple(ITEMS), biased=True, global_mean=MU, rating_range=(1, 5)
    )
    load_model(manager, description, USERS, ITEMS)
    return manager


def updates_by_id(messages: list[str]) -> dict[tuple[str, str], np.ndarray]:
    return {(kind, id_): vector for kind, id_, vector, _ in map(parse_update, messages)}


def test_a_rating_moves_the_users_and_items_free_coordinates_towards_it(manager: ALSSpeedModelManager) -> None:
    assert manager.model is not None
    before = np.array(USERS["u1"]) @ np.array(ITEMS["b"])  # 0 + 3.5 - 1 = 2.5
    updates = updates_by_id(fold_in_records(manager.model, [("u1", "b", 5.0, 10)], no_known_items=True))
    user, item = updates[("X", "u1")], updates[("Y", "b")]
    assert user[3] == 1.0 and item[2] == 1.0  # the constants
    assert float(user @ np.array(ITEMS["b"])) > before
    assert float(np.array(USERS["u1"]) @ item) > before
    # The user's step is the least-squares one on its free coordinates [x, mu + b_u] against the items' [y, 1].
    items = np.array(list(ITEMS.values()))[:, :3]
    expected = np.array(USERS["u1"])
    expected[:3] += np.linalg.solve(items.T @ items, np.array(ITEMS["b"])[:3] * (5.0 - before))
    np.testing.assert_allclose(user, expected, rtol=1e-5, atol=1e-6)


def test_a_new_user_starts_at_the_global_mean(manager: ALSSpeedModelManager) -> None:
    assert manager.model is not None
    updates = updates_by_id(fold_in_records(manager.model, [("new", "a", 1.0, 10)], no_known_items=True))
    new = updates[("X", "new")]
    assert new[3] == 1.0
    prior_estimate = MU + 1.0  # the mean plus a's bias, no factors yet
    assert float(new @ np.array(ITEMS["a"])) < prior_estimate  # moved from 4 towards the rating 1
    assert ("Y", "a") not in updates  # an unknown user cannot move an item (Oryx 2's rule)
