"""``oryx.als.bounds`` in the speed layer between batch generations: admission holds back the fold-in of IDs
short of ``min-interactions``; expiry drops IDs unseen for ``expire-after-days`` and names them for ``EXPIRE``."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from support.als_model_messages import load_model

from oryx_core.apps.als.bounds import DAY_MS, IDBounds
from oryx_core.apps.als.expiry import parse_expiry
from oryx_core.apps.als.messages import parse_update
from oryx_core.apps.als.model_pmml import ALSModelDescription
from oryx_core.config import load_config
from oryx_streaming.apps.als import ALSSpeedModelManager
from oryx_streaming.apps.als.activity import IDActivity

X = {"u1": [1.0, 0.0], "u2": [0.0, 2.0]}
Y = {"i1": [1.0, 0.5], "i2": [0.5, 1.0], "i3": [2.0, 0.0]}
NOW = int(time.time() * 1000)


def bounded_manager(*overrides: str) -> ALSSpeedModelManager:
    manager = ALSSpeedModelManager(load_config(None, list(overrides)))
    load_model(manager, ALSModelDescription(features=2, implicit=True, x_ids=tuple(X), y_ids=tuple(Y)), X, Y)
    return manager


def updated(manager: ALSSpeedModelManager, batch: Any) -> list[tuple[str, str]]:
    return [(update[0], update[1]) for update in map(parse_update, manager.build_updates(batch))]


def test_a_new_user_gets_a_vector_only_at_min_interactions(batch_of: Callable[..., Any]) -> None:
    manager = bounded_manager("oryx.als.bounds.min-interactions=3")
    assert updated(manager, batch_of(f"new,i1,1,{NOW}", f"new,i2,1,{NOW}")) == []
    assert manager.model is not None and "new" not in manager.model.x
    # The third line admits the user; the items hold vectors already, so they are admitted too.
    assert ("X", "new") in updated(manager, batch_of(f"new,i3,1,{NOW}"))
    assert "new" in manager.model.x
    # A user holding a vector (from the batch model) is never held back.
    assert ("X", "u2") in updated(manager, batch_of(f"u2,i3,1,{NOW}"))


def test_a_new_item_short_of_min_interactions_holds_back_the_pair_of_a_known_user(
    batch_of: Callable[..., Any],
) -> None:
    manager = bounded_manager("oryx.als.bounds.min-interactions=2")
    assert updated(manager, batch_of(f"u1,fresh,1,{NOW}")) == []
    assert manager.model is not None and "fresh" not in manager.model.y
    assert ("Y", "fresh") in updated(manager, batch_of(f"u2,fresh,1,{NOW}"))


def test_ids_unseen_for_the_expiry_period_leave_and_are_named_once(batch_of: Callable[..., Any]) -> None:
    manager = bounded_manager("oryx.als.bounds.expire-after-days=1")
    old = NOW - 2 * DAY_MS
    updated(manager, batch_of(f"gone,i1,1,{old}", f"kept,i2,1,{NOW}", f"u1,i3,1,{old}"))
    model = manager.model
    assert model is not None and "gone" in model.x and "kept" in model.x

    expired = sorted(parse_expiry(message) for message in manager.expire(NOW))

    # u1, i1 and i3 came with the batch model, which may know later lines of theirs: seen now, they stay.
    assert expired == [("X", "gone")]
    assert "gone" not in model.x and {"kept", "u1", "u2"} <= set(model.x.ids())
    assert {"i1", "i2", "i3"} <= set(model.y.ids())
    assert manager.expire(NOW) == []
    assert manager.tracked_ids() == 2 + 3  # kept, u1; i1, i2, i3
    # ... until the expiry period has passed since then without a line of theirs.
    later = sorted(parse_expiry(message) for message in manager.expire(int(time.time() * 1000) + DAY_MS + 1))
    assert later == [("X", "kept"), ("X", "u1"), ("Y", "i1"), ("Y", "i2"), ("Y", "i3")]


def test_a_line_of_an_id_keeps_it_another_period(batch_of: Callable[..., Any]) -> None:
    manager = bounded_manager("oryx.als.bounds.expire-after-days=1")
    updated(manager, batch_of(f"back,i1,1,{NOW - 2 * DAY_MS}"))
    updated(manager, batch_of(f"back,i1,1,{NOW}"))
    assert manager.expire(NOW) == []
    assert ("X", "back") in [parse_expiry(m) for m in manager.expire(NOW + DAY_MS + 1)]


def test_bounds_off_cost_nothing_and_expire_nothing(batch_of: Callable[..., Any]) -> None:
    manager = bounded_manager()
    assert ("X", "new") in updated(manager, batch_of(f"new,i1,1,{NOW - 400 * DAY_MS}"))
    assert manager.expire(NOW) == []


def test_activity_without_expiry_counts_only_ids_short_of_admission() -> None:
    activity = IDActivity(IDBounds(min_interactions=2))
    held: set[str] = set()
    records = [("a", "x", 1.0, 1), ("a", "x", 1.0, 2), ("b", "x", 1.0, 3)]
    kept = activity.admitted(records, held.__contains__, held.__contains__, 0)
    assert kept == records[:2]  # b has one line of two
    held |= {"a", "x"}
    activity.forget_held(kept, held.__contains__, held.__contains__)
    assert len(activity) == 1  # only b, one line short


def test_activity_expires_in_order_of_last_sight() -> None:
    activity = IDActivity(IDBounds(expire_after_days=1.0))
    nobody: Callable[[str], bool] = lambda _: False  # noqa: E731
    activity.admitted([("a", "x", 1.0, 0), ("b", "y", 1.0, 10), ("a", "z", 1.0, 20)], nobody, nobody, 0)
    assert activity.expired(DAY_MS + 5) == [("Y", "x")]
    assert activity.expired(DAY_MS + 15) == [("X", "b"), ("Y", "y")]
    assert activity.expired(DAY_MS + 25) == [("X", "a"), ("Y", "z")]
    assert len(activity) == 0
