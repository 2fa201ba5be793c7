"""The one ALS model state: which vectors survive a new MODEL, expected IDs, and that both layers agree."""

from __future__ import annotations

import numpy as np
import pytest

from oryx_core.apps.als.messages import format_x_update, format_y_update
from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml
from oryx_core.apps.als.state import ALSModelState
from oryx_core.apps.als.state_updates import ALSStateUpdates
from oryx_core.config import load_config
from oryx_core.ml.pmml import write_pmml
from oryx_core.topics.messages import MODEL, UP, KeyMessage
from oryx_serving.apps.als.manager import ALSServingModelManager
from oryx_streaming.apps.als import ALSSpeedModelManager


def model(users: tuple[str, ...], items: tuple[str, ...], features: int = 2, implicit: bool = True) -> KeyMessage:
    description = ALSModelDescription(features=features, implicit=implicit, x_ids=users, y_ids=items)
    return KeyMessage(MODEL, write_pmml(build_als_pmml(description, 0)))


def user(id_: str, *values: float) -> KeyMessage:
    return KeyMessage(UP, format_x_update(id_, np.array(values), ["i1"]))


def item(id_: str, *values: float) -> KeyMessage:
    return KeyMessage(UP, format_y_update(id_, np.array(values)))


def updates(messages: list[KeyMessage]) -> ALSStateUpdates[ALSModelState]:
    result: ALSStateUpdates[ALSModelState] = ALSStateUpdates(ALSModelState, None)
    assert result.consume_key_messages(messages) == []
    return result


def held(state: ALSModelState | None) -> tuple[list[str], list[str]]:
    assert state is not None
    return sorted(state.x.ids()), sorted(state.y.ids())


def test_after_a_completed_model_only_vectors_set_later_survive_a_model_that_does_not_list_them() -> None:
    follower = updates(
        [
            model(("u1", "u2"), ("i1",)),
            user("early", 1.0, 1.0),  # set while the model loads: forgotten as recent once it completes
            user("u1", 1.0, 0.0),
            user("u2", 0.0, 1.0),
            item("i1", 1.0, 1.0),  # completes the model
            user("late", 2.0, 2.0),  # newer than every vector of the model: recent
            model(("u1",), ("i1",)),
        ]
    )
    assert held(follower.state) == (["late", "u1"], ["i1"])


def test_while_a_model_is_incomplete_everything_set_survives_as_in_oryx_2() -> None:
    follower = updates(
        [
            model(("u1", "u2"), ("i1",)),
            user("u1", 1.0, 0.0),
            user("extra", 1.0, 1.0),
            item("i1", 1.0, 1.0),  # completes the model's items; its users never complete: u2 never arrives
            model(("u1",), ()),
        ]
    )
    assert held(follower.state) == (["extra", "u1"], [])  # X and Y each by itself: i1 came with a complete Y
    follower.consume_key_messages([model(("u1",), ())])  # nothing was set since the last MODEL: nothing is recent
    assert held(follower.state) == (["u1"], [])


def test_a_new_model_lists_what_it_still_expects_and_the_loaded_fraction_follows() -> None:
    follower = updates([model(("u1", "u2"), ("i1",)), user("u1", 1.0, 0.0), model(("u1", "u2"), ("i1", "i2"))])
    state = follower.state
    assert state is not None
    assert state.expected_ids() == (frozenset({"u2"}), frozenset({"i1", "i2"}))
    assert follower.fraction_loaded() == pytest.approx(1 / 4)


@pytest.mark.parametrize(
    "other", [model(("u1",), (), features=3), model(("u1",), (), implicit=False)], ids=["features", "feedback"]
)
def test_a_model_of_another_shape_starts_an_empty_state(other: KeyMessage) -> None:
    follower = updates([model(("u1",), ()), user("u1", 1.0, 0.0)])
    first = follower.state
    follower.consume_key_message(other.key, other.message)
    assert follower.state is not first and held(follower.state) == ([], [])
    assert follower.fraction_loaded() == 0.0


def test_an_up_before_any_model_is_skipped_and_the_fraction_is_zero() -> None:
    follower = updates([user("u1", 1.0, 0.0)])
    assert follower.state is None and follower.fraction_loaded() == 0.0


def test_a_malformed_up_or_unknown_key_is_reported_with_its_index_and_the_rest_applied() -> None:
    follower: ALSStateUpdates[ALSModelState] = ALSStateUpdates(ALSModelState, None)
    messages = [model(("u1",), ()), KeyMessage(UP, "[1"), KeyMessage("OTHER", "x"), user("u1", 1.0, 0.0)]
    failures = follower.consume_key_messages(messages)
    assert [position for position, _ in failures] == [1, 2]
    assert "not JSON" in str(failures[0][1])
    assert str(failures[1][1]) == "the ALS model cannot apply update-topic key 'OTHER'"
    assert held(follower.state) == (["u1"], [])


def test_the_speed_layer_and_serving_hold_the_same_ids_after_the_same_topic() -> None:
    messages = [
        model(("u1", "u2"), ("i1",)),
        user("u1", 1.0, 0.0),
        user("speed", 0.5, 0.5),
        user("u2", 0.0, 1.0),
        item("i1", 1.0, 1.0),
        item("speed-item", 0.5, 0.5),
        model(("u2",), ("i1", "i2")),
        item("i2", 0.0, 1.0),
    ]
    speed = ALSSpeedModelManager(load_config(None, []))
    serving = ALSServingModelManager(load_config(None, []))
    assert speed.consume_key_messages(messages) == serving.consume_key_messages(messages) == []
    assert held(speed.model) == held(serving.get_model()) == (["u2"], ["i1", "i2", "speed-item"])
    assert speed.fraction_loaded() == serving.fraction_loaded() == 1.0


def test_a_vector_of_the_wrong_length_is_refused_naming_the_id() -> None:
    state = ALSModelState(ALSModelDescription(features=2, implicit=True, x_ids=("u1",)))
    with pytest.raises(ValueError, match="vector for 'u1' has 3 features, expected 2"):
        state.set_user_vector("u1", np.array([1.0, 2.0, 3.0]))
    assert held(state) == ([], []) and state.fraction_loaded() == 0.0
