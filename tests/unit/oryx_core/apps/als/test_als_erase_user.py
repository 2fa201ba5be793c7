"""``ERASE`` (and ``EXPIRE``) on the update topic in both layers' ALS managers, and the speed layer's own
``erase``: the user's vector, known items and expectation go at once; other users and the items stay; a later
vector is a new user."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from oryx_core.api.speed import ErasesIDs
from oryx_core.apps.als.expiry import format_expiry, parse_expiry
from oryx_core.apps.als.messages import format_x_update, format_y_update
from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml
from oryx_core.config import load_config
from oryx_core.input.erasure import ERASE
from oryx_core.ml.pmml import write_pmml
from oryx_core.topics.messages import EXPIRE, MODEL, UP, KeyMessage
from oryx_serving.apps.als.manager import ALSServingModelManager
from oryx_streaming.apps.als import ALSSpeedModelManager


def loaded(users: tuple[str, ...] = ("alice", "bob", "carol")) -> list[KeyMessage]:
    description = ALSModelDescription(features=2, implicit=True, x_ids=users, y_ids=("i1", "i2"))
    return [
        KeyMessage(MODEL, write_pmml(build_als_pmml(description, 0))),
        KeyMessage(UP, format_y_update("i1", np.array([1.0, 0.0]))),
        KeyMessage(UP, format_y_update("i2", np.array([0.0, 1.0]))),
        KeyMessage(UP, format_x_update("alice", np.array([2.0, 2.0]), ["i1", "i2"])),
        KeyMessage(UP, format_x_update("bob", np.array([1.0, 3.0]), ["i2"])),
    ]


@pytest.fixture(params=["speed", "serving"])
def manager(request: pytest.FixtureRequest) -> Any:
    config = load_config(None, [])
    return ALSSpeedModelManager(config) if request.param == "speed" else ALSServingModelManager(config)


def test_erase_forgets_the_user_vector_and_known_items(manager: Any) -> None:
    assert manager.consume_key_messages(loaded()) == []
    manager.consume_key_message(ERASE, "alice")
    state = manager.get_model()
    assert "alice" not in state.x and "bob" in state.x
    assert "i1" in state.y and "i2" in state.y
    assert state.known_items.get("alice") == frozenset()
    if state.track_known_items:
        assert state.known_items.get("bob") == {"i2"}


def test_an_erased_user_still_expected_is_no_longer_waited_for(manager: Any) -> None:
    """carol is listed by the model but her vector never came: erasing her completes the load."""
    manager.consume_key_messages(loaded())
    assert manager.fraction_loaded() < 1.0
    manager.consume_key_message(ERASE, "carol")
    assert manager.fraction_loaded() == 1.0


def test_erase_in_a_poll_applies_in_topic_order(manager: Any) -> None:
    """The ERASE splits the run of UPs: a vector after it is the user coming back, one before it is gone."""
    messages = [
        *loaded(),
        KeyMessage(ERASE, "bob"),
        KeyMessage(UP, format_x_update("alice", np.array([5.0, 5.0]))),
        KeyMessage(ERASE, "alice"),
        KeyMessage(UP, format_x_update("bob", np.array([7.0, 7.0]))),
    ]
    assert manager.consume_key_messages(messages) == []
    state = manager.get_model()
    assert "alice" not in state.x
    np.testing.assert_array_equal(state.x.get("bob"), [7.0, 7.0])
    assert state.known_items.get("bob") == frozenset()  # the earlier known items went with the erasure


def test_erase_before_any_model_or_of_an_unknown_user_is_harmless(manager: Any) -> None:
    manager.consume_key_message(ERASE, "nobody")
    manager.consume_key_messages(loaded())
    manager.consume_key_message(ERASE, "nobody")
    assert len(manager.get_model().x) == 2


def test_an_erase_without_a_user_is_a_bad_message(manager: Any) -> None:
    manager.consume_key_messages(loaded())
    with pytest.raises(ValueError, match="must name a user"):
        manager.consume_key_message(ERASE, "")


def test_the_speed_manager_erases_at_once() -> None:
    speed = ALSSpeedModelManager(load_config(None, []))
    assert isinstance(speed, ErasesIDs)
    speed.erase(["alice"])  # no model yet: nothing to do
    speed.consume_key_messages(loaded())
    speed.erase(["alice", "nobody"])
    assert "alice" not in speed.get_model().x and "bob" in speed.get_model().x


def test_expire_drops_a_user_with_known_items_or_an_item(manager: Any) -> None:
    """``EXPIRE`` (the speed layer's expiry, oryx.als.bounds) applies in both layers like ``ERASE``, for items too."""
    messages = [
        *loaded(),
        KeyMessage(EXPIRE, format_expiry("X", "alice")),
        KeyMessage(EXPIRE, format_expiry("Y", "i1")),
    ]
    assert manager.consume_key_messages(messages) == []
    state = manager.get_model()
    assert "alice" not in state.x and "bob" in state.x
    assert "i1" not in state.y and "i2" in state.y
    assert state.known_items.get("alice") == frozenset()


def test_a_malformed_expire_is_reported_with_its_position_and_the_rest_applies(manager: Any) -> None:
    messages = [*loaded(), KeyMessage(EXPIRE, '["Z","alice"]'), KeyMessage(EXPIRE, format_expiry("X", "bob"))]
    [(position, error)] = manager.consume_key_messages(messages)
    assert position == len(messages) - 2 and "EXPIRE" in str(error)
    assert "bob" not in manager.get_model().x and "alice" in manager.get_model().x


def test_expiry_messages_round_trip_any_id() -> None:
    for id_ in ("plain", 'with "quotes", commas', "ünï"):
        assert parse_expiry(format_expiry("Y", id_)) == ("Y", id_)
    for bad in ("", "[]", '["X"]', '["X",""]', '["X",1]', "not json"):
        with pytest.raises(ValueError, match="EXPIRE"):
            parse_expiry(bad)
