"""Serving runs the one update-topic follower (``oryx_core.topics.follower``, tested there) over its manager;
closing the serving state stops it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from oryx_serving.lambda_.state import OryxServingState

Publish = Callable[[str, str], None]


def state_of(app: Flask) -> OryxServingState:
    return app.extensions["oryx"]


def test_messages_reach_the_manager_in_topic_order(
    make_app: Callable[..., Flask], fake_manager: Any, publish: Publish, caught_up: Callable[[Flask], None]
) -> None:
    app = make_app(model_manager=fake_manager)
    publish("MODEL", "m1")
    publish("UP", "u1")
    caught_up(app)
    assert fake_manager.applied == [("MODEL", "m1"), ("UP", "u1")]


def test_messages_published_before_start_are_replayed_from_the_earliest_offset(
    make_app: Callable[..., Flask], fake_manager: Any, publish: Publish, caught_up: Callable[[Flask], None]
) -> None:
    publish("MODEL", "old")
    app = make_app(model_manager=fake_manager)
    caught_up(app)
    assert fake_manager.applied == [("MODEL", "old")]


def test_a_message_that_fails_is_skipped_and_consumption_continues(
    make_app: Callable[..., Flask], fake_manager: Any, publish: Publish, caught_up: Callable[[Flask], None]
) -> None:
    app = make_app(model_manager=fake_manager)
    publish("BAD", "x")
    publish("UP", "after")
    caught_up(app)
    follower = state_of(app).follower
    assert follower is not None
    assert fake_manager.applied == [("UP", "after")]
    assert follower.failed == 1


def test_close_stops_the_thread_and_closes_the_manager(make_app: Callable[..., Flask], fake_manager: Any) -> None:
    state = state_of(make_app(model_manager=fake_manager))
    assert state.follower is not None and state.follower.running
    assert "oryx-serving-update-follower" in [thread.name for thread in threading.enumerate()]
    state.close()
    assert not state.follower.running
    assert fake_manager.closed


def test_close_is_idempotent(make_app: Callable[..., Flask], fake_manager: Any) -> None:
    state = state_of(make_app(model_manager=fake_manager))
    state.close()
    state.close()
    assert fake_manager.closed
