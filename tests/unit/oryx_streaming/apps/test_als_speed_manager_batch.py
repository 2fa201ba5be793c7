"""ALSSpeedModelManager.consume_key_messages: a poll applied at once leaves the model one by one would leave."""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
import pytest

from oryx_core.apps.als.messages import format_x_update, format_y_update
from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml
from oryx_core.config import load_config
from oryx_core.ml.pmml import write_pmml
from oryx_core.topics.messages import MODEL, UP, KeyMessage
from oryx_streaming.apps.als import ALSSpeedModelManager
from oryx_streaming.apps.als.model import ALSSpeedModel


def model(users: tuple[str, ...], items: tuple[str, ...], features: int = 2) -> KeyMessage:
    description = ALSModelDescription(features=features, implicit=True, x_ids=users, y_ids=items)
    return KeyMessage(MODEL, write_pmml(build_als_pmml(description, 0)))


def user(id_: str, *values: float) -> KeyMessage:
    return KeyMessage(UP, format_x_update(id_, np.array(values), ["i1"]))


def item(id_: str, *values: float) -> KeyMessage:
    return KeyMessage(UP, format_y_update(id_, np.array(values)))


def manager() -> ALSSpeedModelManager:
    return ALSSpeedModelManager(load_config(None, []))


def one_by_one(messages: list[KeyMessage]) -> ALSSpeedModelManager:
    """Each message applied alone; one that raises is skipped, as the follower does."""
    result = manager()
    for message in messages:
        with contextlib.suppress(ValueError):
            result.consume_key_message(message.key, message.message)
    return result


def raised(messages: list[KeyMessage]) -> list[tuple[int, str]]:
    """(index, error text) of each message that raises when applied one by one."""
    result, errors = manager(), []
    for position, message in enumerate(messages):
        try:
            result.consume_key_message(message.key, message.message)
        except ValueError as error:
            errors.append((position, str(error)))
    return errors


def batched(messages: list[KeyMessage]) -> ALSSpeedModelManager:
    result = manager()
    assert result.consume_key_messages(messages) == []
    return result


def state(manager: ALSSpeedModelManager) -> dict[str, Any]:
    """Everything observable about the model: vectors, features, load fraction and the IDs still expected."""
    speed_model = manager.model
    assert speed_model is not None
    return {
        "features": speed_model.features,
        "x": {id_: speed_model.x.get(id_).tolist() for id_ in sorted(speed_model.x.ids())},
        "y": {id_: speed_model.y.get(id_).tolist() for id_ in sorted(speed_model.y.ids())},
        "fraction": manager.fraction_loaded(),
        "expected": tuple(sorted(ids) for ids in speed_model.expected_ids()),
    }


FIRST = [
    model(("u1", "u2", "u3"), ("i1", "i2", "i3")),
    item("i1", 1.0, 0.5),
    user("u1", 1.0, 0.0),
    item("i2", 0.5, 1.0),
    user("u1", 3.0, -1.0),  # a repeated ID keeps its last vector
    user("extra", 0.25, 0.25),  # not in the model: held, and "recent" while the model has not completed
    item("i1", 2.0, 0.0),
]
SECOND = [
    user("u2", 0.0, 2.0),
    model(("u1", "u2"), ("i1", "i3")),
    item("i3", 2.0, 0.0),
]


def fold_in(manager: ALSSpeedModelManager) -> None:
    """What ``fold_in_records`` does to the model: these IDs are "recent" and survive the next MODEL."""
    assert manager.model is not None
    manager.model.set_user_vector("folded", np.array([0.5, 0.5], dtype=np.float32))
    manager.model.set_item_vectors(["folded-item"], np.array([[1.0, 1.0]], dtype=np.float32))


def test_a_batch_leaves_the_same_vectors_and_load_fraction_as_one_by_one() -> None:
    expected = state(one_by_one(FIRST))
    assert state(batched(FIRST)) == expected
    assert expected["fraction"] == pytest.approx(4 / 7)  # u1, extra, i1, i2 held; u2, u3, i3 expected
    assert expected["x"]["u1"] == [3.0, -1.0] and expected["y"]["i1"] == [2.0, 0.0]


def test_a_following_model_retains_the_same_vectors_after_a_batch() -> None:
    reference, candidate = one_by_one(FIRST), batched(FIRST)
    fold_in(reference)
    fold_in(candidate)
    for message in SECOND:
        reference.consume_key_message(message.key, message.message)
    assert candidate.consume_key_messages(SECOND) == []
    expected = state(reference)
    assert state(candidate) == expected
    # The first model never completed (u3 and i3 never came), so everything set since it is recent and stays
    # (Oryx 2's rule); u3 was never held.
    assert sorted(expected["x"]) == ["extra", "folded", "u1", "u2"]
    assert sorted(expected["y"]) == ["folded-item", "i1", "i2", "i3"]
    assert expected["fraction"] == 1.0


def test_a_malformed_update_mid_batch_is_returned_with_the_one_by_one_error_and_the_rest_applied() -> None:
    messages = [
        model(("u1",), ("i1", "i2")),
        item("i1", 1.0, 0.5),
        KeyMessage(UP, "not json"),
        KeyMessage(UP, '["X","u1",[1,2,3]]'),  # the model has 2 features
        item("i2", 0.5, 1.0),
        user("u1", 1.0, 0.0),
    ]
    candidate = manager()
    failures = candidate.consume_key_messages(messages)
    assert [(position, str(error)) for position, error in failures] == raised(messages)
    assert [position for position, _ in failures] == [2, 3]
    assert "X 'u1' has 3 features but the model has 2" in str(failures[1][1])
    assert state(candidate) == state(one_by_one(messages))
    assert state(candidate)["fraction"] == 1.0


def test_updates_before_a_model_mid_batch_reach_the_old_model_and_those_after_it_the_new() -> None:
    messages = [
        model(("u1", "u2"), ()),
        user("gone", 1.0, 1.0),  # set before the first model completed, and not listed by the second: dropped
        user("u1", 1.0, 0.0),
        user("u2", 0.0, 2.0),  # completes the first model
        model(("u1", "u2"), ()),
        user("u2", 0.0, 1.0),
        user("late", 2.0, 2.0),  # set after the first model completed: kept
    ]
    result = state(batched(messages))
    assert result == state(one_by_one(messages))
    assert sorted(result["x"]) == ["late", "u1", "u2"]


def test_updates_after_a_model_with_new_features_are_parsed_for_the_new_model() -> None:
    messages = [model(("u1",), ()), user("u1", 1.0, 0.0), model(("u1",), (), features=3), user("u1", 1.0, 2.0, 3.0)]
    result = state(batched(messages))
    assert result == state(one_by_one(messages))
    assert result["features"] == 3 and result["x"] == {"u1": [1.0, 2.0, 3.0]}


def test_updates_before_any_model_are_skipped() -> None:
    result = state(batched([user("u0", 1.0, 1.0), model(("u1",), ()), user("u1", 1.0, 0.0)]))
    assert result["x"] == {"u1": [1.0, 0.0]}


def test_an_unreadable_model_is_returned_as_a_failure_and_the_rest_applied() -> None:
    speed = manager()
    messages = [model(("u1", "u2"), ()), user("u1", 1.0, 0.0), KeyMessage(MODEL, "<PMML"), user("u2", 0.0, 1.0)]
    failures = speed.consume_key_messages(messages)
    assert [position for position, _ in failures] == [2]
    with pytest.raises(type(failures[0][1])):
        manager().consume_key_message(MODEL, "<PMML")
    assert state(speed)["x"] == {"u1": [1.0, 0.0], "u2": [0.0, 1.0]}


def test_other_keys_are_returned_as_failures_and_the_rest_applied() -> None:
    messages = [model(("u1",), ()), KeyMessage("OTHER", "whatever"), user("u1", 1.0, 0.0)]
    speed = manager()
    failures = speed.consume_key_messages(messages)
    assert [(position, str(error)) for position, error in failures] == [
        (1, "the ALS model cannot apply update-topic key 'OTHER'")
    ]
    assert state(speed)["x"] == {"u1": [1.0, 0.0]}


def speed_model() -> ALSSpeedModel:
    return ALSSpeedModel(ALSModelDescription(features=2, implicit=True, x_ids=("u1", "u2"), y_ids=()))


def test_batch_setters_mark_the_expected_ids_loaded_as_single_setters_do() -> None:
    single, batch = speed_model(), speed_model()
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    for id_, vector in zip(["u1", "new"], vectors, strict=True):
        single.set_user_vector(id_, vector)
    batch.set_user_vectors(["u1", "new"], vectors)
    assert batch.expected_ids() == single.expected_ids() == (frozenset({"u2"}), frozenset())
    assert batch.fraction_loaded() == single.fraction_loaded() == pytest.approx(2 / 3)


def test_batch_setters_invalidate_the_cached_solver() -> None:
    speed = speed_model()
    speed.set_user_vectors(["u1", "u2"], np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32))
    assert speed.xtx_solver(5.0) is not None
    x = np.array([[2.0, 1.0], [1.0, 3.0]])
    speed.set_user_vectors(["u1", "u2"], x.astype(np.float32))
    solver = speed.xtx_solver(5.0)
    assert solver is not None
    b = np.array([1.0, -2.0])
    np.testing.assert_allclose(solver.solve(x.T @ x @ b), b, rtol=1e-5)
