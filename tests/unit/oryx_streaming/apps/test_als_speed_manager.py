"""The ALS speed layer's model following and fold-in arithmetic, checked against numpy computed here."""

import logging

import numpy as np
import pytest

from oryx_core.apps.als.messages import format_x_update, format_y_update, parse_update
from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml
from oryx_core.config import load_config
from oryx_core.ml.pmml import write_pmml
from oryx_core.topics.messages import MODEL, UP
from oryx_streaming.apps.als import ALSSpeedModelManager
from oryx_streaming.apps.als.updates import fold_in_records

X = {"u1": [1.0, 0.0], "u2": [0.0, 2.0], "u3": [1.0, 1.0]}
Y = {"i1": [1.0, 0.5], "i2": [0.5, 1.0], "i3": [2.0, 0.0]}


def model_message(features: int = 2, implicit: bool = True, users=tuple(X), items=tuple(Y)) -> str:
    description = ALSModelDescription(features=features, implicit=implicit, x_ids=tuple(users), y_ids=tuple(items))
    return write_pmml(build_als_pmml(description, 0))


def loaded_manager(implicit: bool = True, *overrides: str) -> ALSSpeedModelManager:
    manager = ALSSpeedModelManager(load_config(None, list(overrides)))
    manager.consume_key_message(MODEL, model_message(implicit=implicit))
    for item, vector in Y.items():
        manager.consume_key_message(UP, format_y_update(item, np.array(vector)))
    for user, vector in X.items():
        manager.consume_key_message(UP, format_x_update(user, np.array(vector), ["i1"]))
    return manager


def matrix(vectors: dict[str, list[float]]) -> np.ndarray:
    return np.array(list(vectors.values()), dtype=np.float64)


def test_fraction_loaded_counts_expected_vectors_as_they_arrive() -> None:
    manager = ALSSpeedModelManager(load_config(None, []))
    assert manager.fraction_loaded() == 0.0
    manager.consume_key_message(MODEL, model_message())
    assert manager.fraction_loaded() == 0.0
    for item, vector in Y.items():
        manager.consume_key_message(UP, format_y_update(item, np.array(vector)))
    assert manager.fraction_loaded() == pytest.approx(0.5)
    for user, vector in X.items():
        manager.consume_key_message(UP, format_x_update(user, np.array(vector)))
    assert manager.fraction_loaded() == 1.0


def test_implicit_fold_in_for_a_known_user_and_item_matches_the_normal_equations() -> None:
    manager = loaded_manager()
    updates = fold_in_records(manager.model, [("u1", "i2", 1.0, 10)], no_known_items=False)
    xu, yi = np.array(X["u1"]), np.array(Y["i2"])
    qui = xu @ yi  # 0.5
    target = qui + (1.0 / 2.0) * (1.0 - qui)  # implicit step towards 1
    expected_xu = xu + np.linalg.solve(matrix(Y).T @ matrix(Y), yi * (target - qui))
    expected_yi = yi + np.linalg.solve(matrix(X).T @ matrix(X), xu * (target - qui))
    kinds = {parse_update(u)[0]: parse_update(u) for u in updates}
    assert kinds["X"][1] == "u1" and kinds["X"][3] == ["i2"]
    np.testing.assert_allclose(kinds["X"][2], expected_xu, rtol=1e-5)
    assert kinds["Y"][1] == "i2" and kinds["Y"][3] == ["u1"]
    np.testing.assert_allclose(kinds["Y"][2], expected_yi, rtol=1e-5)
    np.testing.assert_allclose(manager.model.x.get("u1"), expected_xu, rtol=1e-5)


def test_explicit_fold_in_targets_the_rating_itself() -> None:
    manager = loaded_manager(False)
    updates = fold_in_records(manager.model, [("u2", "i3", 4.0, 10)], no_known_items=True)
    xu, yi = np.array(X["u2"]), np.array(Y["i3"])
    expected_xu = xu + np.linalg.solve(matrix(Y).T @ matrix(Y), yi * (4.0 - xu @ yi))
    x_update = next(parse_update(u) for u in updates if parse_update(u)[0] == "X")
    np.testing.assert_allclose(x_update[2], expected_xu, rtol=1e-5)
    assert x_update[3] is None  # no-known-items omits the 4th element


def test_a_new_user_gets_a_vector_from_its_first_known_item_and_items_are_untouched() -> None:
    manager = loaded_manager()
    updates = [parse_update(u) for u in fold_in_records(manager.model, [("new", "i3", 2.0, 1)], no_known_items=False)]
    assert [(u[0], u[1], u[3]) for u in updates] == [("X", "new", ["i3"])]
    yi = np.array(Y["i3"])
    target = 0.5 + (2.0 / 3.0) * (1.0 - 0.5)  # an unknown user starts from 0.5 ...
    expected = np.linalg.solve(matrix(Y).T @ matrix(Y), yi * (target - 0.0))  # ... but Qui counts as 0
    np.testing.assert_allclose(updates[0][2], expected, rtol=1e-5)
    assert manager.model.x.get("new") is not None


def test_aggregation_drops_deleted_pairs() -> None:
    manager = loaded_manager()
    records = [("u1", "i1", 1.0, 1), ("u1", "i1", float("nan"), 2)]
    assert fold_in_records(manager.model, records, no_known_items=False) == []


def test_a_new_item_gets_a_vector_from_a_known_user_who_is_left_unchanged() -> None:
    manager = loaded_manager()
    updates = [parse_update(u) for u in fold_in_records(manager.model, [("u1", "new", 1.0, 1)], no_known_items=False)]
    assert [(u[0], u[1], u[3]) for u in updates] == [("Y", "new", ["u1"])]
    np.testing.assert_allclose(manager.model.x.get("u1"), X["u1"])


def test_a_singular_gram_matrix_skips_the_batch_with_a_reason(caplog: pytest.LogCaptureFixture) -> None:
    manager = ALSSpeedModelManager(load_config(None, []))
    manager.consume_key_message(MODEL, model_message(users=["u1"], items=["i1"]))
    manager.consume_key_message(UP, format_y_update("i1", np.array([1.0, 0.0])))
    manager.consume_key_message(UP, format_x_update("u1", np.array([1.0, 0.0])))
    with caplog.at_level(logging.WARNING):
        assert fold_in_records(manager.model, [("u1", "i1", 1.0, 1)], no_known_items=False) == []
    assert "near-singular" in caplog.text


def test_a_new_model_keeps_listed_and_recent_ids_and_a_new_rank_starts_over() -> None:
    manager = loaded_manager()
    fold_in_records(manager.model, [("fresh", "i1", 1.0, 1)], no_known_items=False)
    manager.consume_key_message(MODEL, model_message(users=["u1"], items=["i1", "i2"]))
    assert sorted(manager.model.x.ids()) == ["fresh", "u1"]
    assert sorted(manager.model.y.ids()) == ["i1", "i2"]
    manager.consume_key_message(MODEL, model_message(features=3, users=["u1"], items=["i1"]))
    assert manager.model.x.size == 0 and manager.fraction_loaded() == 0.0


def test_bad_update_messages_raise_for_the_follower_to_log_and_leave_the_model() -> None:
    manager = loaded_manager()
    with pytest.raises(ValueError, match="X 'u1' has 1 features but the model has 2"):
        manager.consume_key_message(UP, '["X","u1",[1.0]]')
    with pytest.raises(ValueError, match="not JSON"):
        manager.consume_key_message(UP, "not json")
    np.testing.assert_allclose(manager.model.x.get("u1"), X["u1"])
