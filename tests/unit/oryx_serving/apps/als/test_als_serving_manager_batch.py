"""ALSServingModelManager.consume_key_messages: a poll of messages applied at once, as one by one would."""

from __future__ import annotations

import numpy as np
import pytest

from oryx_core.apps.als.messages import ALSUpdateError, format_x_update, format_y_update
from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml
from oryx_core.config import load_config
from oryx_core.ml.pmml import write_pmml
from oryx_core.topics.messages import KeyMessage
from oryx_serving.apps.als.manager import ALSServingModelManager
from oryx_serving.apps.als.model import ALSServingModel


def manager(*overrides: str) -> ALSServingModelManager:
    return ALSServingModelManager(load_config(None, list(overrides)))


def model_message(users: tuple[str, ...], items: tuple[str, ...], features: int = 2) -> KeyMessage:
    pmml = write_pmml(build_als_pmml(ALSModelDescription(features, True, x_ids=users, y_ids=items)))
    return KeyMessage("MODEL", pmml)


def x_up(user: str, *values: float, known: list[str] | None = None) -> KeyMessage:
    return KeyMessage("UP", format_x_update(user, np.array(values), known))


def y_up(item: str, *values: float, users: list[str] | None = None) -> KeyMessage:
    return KeyMessage("UP", format_y_update(item, np.array(values), users))


def loaded(m: ALSServingModelManager) -> ALSServingModel:
    model = m.get_model()
    assert model is not None
    return model


def test_a_malformed_up_in_the_middle_is_returned_and_every_other_message_applied() -> None:
    m = manager()
    batch = [
        model_message(("u1", "u2"), ("i1",)),
        x_up("u1", 1.0, 0.0, known=["i1"]),
        KeyMessage("UP", '["X","u2",[true,1]]'),
        x_up("u2", 0.0, 1.0),
        y_up("i1", 2.0, 3.0),
    ]
    failures = m.consume_key_messages(batch)
    assert [position for position, _ in failures] == [2]
    assert isinstance(failures[0][1], ALSUpdateError)
    assert "non-empty array of numbers" in str(failures[0][1])
    model = loaded(m)
    np.testing.assert_array_equal(model.user_vector("u1"), [1.0, 0.0])
    np.testing.assert_array_equal(model.user_vector("u2"), [0.0, 1.0])
    np.testing.assert_array_equal(model.item_vector("i1"), [2.0, 3.0])
    assert model.known_items_of("u1") == {"i1"}
    assert model.get_fraction_loaded() == 1.0


def test_wrong_feature_count_and_unknown_keys_fail_alone() -> None:
    m = manager()
    batch = [model_message(("u1",), ()), x_up("u1", 1.0, 2.0, 3.0), KeyMessage("OTHER", "x"), x_up("u1", 4.0, 5.0)]
    failures = m.consume_key_messages(batch)
    assert [position for position, _ in failures] == [1, 2]
    assert "3 features but the model has 2" in str(failures[0][1])
    assert "cannot apply" in str(failures[1][1])
    np.testing.assert_array_equal(loaded(m).user_vector("u1"), [4.0, 5.0])


def test_ups_before_the_first_model_are_skipped_and_those_after_it_applied() -> None:
    m = manager()
    failures = m.consume_key_messages([x_up("u0", 1.0, 1.0), model_message(("u1",), ()), x_up("u1", 1.0, 2.0)])
    assert failures == []
    assert loaded(m).user_ids() == ["u1"]


def test_a_model_in_the_middle_splits_the_batch_in_order() -> None:
    m = manager()
    batch = [model_message(("u1",), ()), x_up("u1", 1.0, 2.0), model_message(("u1",), (), features=3)]
    batch.append(x_up("u1", 1.0, 2.0, 3.0))
    assert m.consume_key_messages(batch) == []
    model = loaded(m)
    assert model.features == 3
    np.testing.assert_array_equal(model.user_vector("u1"), [1.0, 2.0, 3.0])


def test_a_repeated_id_keeps_its_last_vector() -> None:
    m = manager()
    m.consume_key_messages([model_message((), ("i1",)), y_up("i1", 1.0, 1.0), y_up("i1", 2.0, 2.0)])
    model = loaded(m)
    np.testing.assert_array_equal(model.item_vector("i1"), [2.0, 2.0])
    assert len(model.y) == 1


def test_speed_layer_vectors_after_the_model_completes_stay_recent_in_the_same_batch() -> None:
    """As one by one: the vector completing the model forgets what came with it; later ones survive the
    next MODEL even when it does not list them."""
    m = manager()
    batch = [model_message(("u1",), ("i1",)), y_up("i0", 1.0, 0.0), y_up("i1", 1.0, 1.0), y_up("i2", 0.0, 1.0)]
    batch += [x_up("u1", 1.0, 0.0), model_message(("u1",), ("i1",))]
    assert m.consume_key_messages(batch) == []
    # i0 came before the model was complete (with it): dropped. i2 came after: kept.
    assert sorted(loaded(m).item_ids()) == ["i1", "i2"]


def test_the_speed_layer_user_list_of_an_item_becomes_known_items() -> None:
    m = manager()
    m.consume_key_messages([model_message((), ("i1",)), y_up("i1", 1.0, 0.0, users=["u1", "u2"])])
    model = loaded(m)
    assert model.known_items_of("u1") == {"i1"} and model.known_items_of("u2") == {"i1"}


@pytest.mark.parametrize("sample_rate", ["1.0", "0.3"])
def test_a_batch_leaves_the_same_model_as_one_message_at_a_time(sample_rate: str) -> None:
    rng = np.random.default_rng(7)
    users, items = tuple(f"u{n}" for n in range(30)), tuple(f"i{n}" for n in range(60))
    batch = [model_message(users, items, features=4)]
    batch += [y_up(item, *rng.standard_normal(4).tolist(), users=["u1"]) for item in items]
    batch += [x_up(user, *rng.standard_normal(4).tolist(), known=["i1", "i2"]) for user in users]
    one, many = manager(f"oryx.als.sample-rate={sample_rate}"), manager(f"oryx.als.sample-rate={sample_rate}")
    for message in batch:
        one.consume_key_message(message.key, message.message)
    assert many.consume_key_messages(batch) == []
    query = rng.standard_normal(4)  # exact scans: each model draws its own LSH hyperplanes
    assert loaded(many).y.top_n(query, 10, approximate=False) == loaded(one).y.top_n(query, 10, approximate=False)
    assert loaded(many).user_counts() == loaded(one).user_counts()
    assert loaded(many).get_fraction_loaded() == loaded(one).get_fraction_loaded() == 1.0
    for user in users:
        np.testing.assert_array_equal(loaded(many).user_vector(user), loaded(one).user_vector(user))


@pytest.mark.parametrize("batched", [True, False])
def test_a_completed_model_has_every_item_row_grouped_for_approximate_scans(batched: bool) -> None:
    # 20,000 items in polls of 500: the store regroups only when its tail outgrows a quarter of the grouped
    # rows, which would leave ~1,600 rows ungrouped (scanned whole by every approximate query) after the load.
    m = manager("oryx.als.sample-rate=0.3")
    items = tuple(f"i{n}" for n in range(20_000))
    m.consume_key_messages([model_message((), items, features=4)])
    vectors = np.random.default_rng(5).normal(size=(len(items), 4))
    for start in range(0, len(items), 500):
        block = [y_up(item, *vectors[n]) for n, item in enumerate(items[start : start + 500], start=start)]
        if start + 500 < len(items):
            assert loaded(m).get_fraction_loaded() < 1.0
        if batched:
            assert m.consume_key_messages(block) == []
        else:
            for message in block:
                m.consume_key_message(message.key, message.message)
    model = loaded(m)
    assert model.get_fraction_loaded() == 1.0
    assert len(model.y) == len(items) and model.y.ungrouped == 0
