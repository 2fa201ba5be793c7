"""``GET|HEAD /ready`` and the 503 rule: no model, or a model below ``min-model-load-fraction``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask


def test_ready_is_503_before_any_model(make_app: Callable[..., Flask], fake_manager: Any) -> None:
    response = make_app(model_manager=fake_manager).test_client().get("/ready")
    assert response.status_code == 503


def test_ready_is_503_while_the_model_is_below_the_min_load_fraction(
    make_app: Callable[..., Flask], fake_manager: Any
) -> None:
    fake_manager.set_fraction(0.79)
    response = make_app(model_manager=fake_manager).test_client().get("/ready")
    assert response.status_code == 503


def test_ready_is_200_with_an_empty_body_at_the_min_load_fraction(
    make_app: Callable[..., Flask], fake_manager: Any
) -> None:
    fake_manager.set_fraction(0.8)
    response = make_app(model_manager=fake_manager).test_client().get("/ready")
    assert (response.status_code, response.data) == (200, b"")


def test_min_load_fraction_comes_from_config(make_app: Callable[..., Flask], fake_manager: Any) -> None:
    fake_manager.set_fraction(0.5)
    app = make_app("oryx.serving.min-model-load-fraction=0.4", model_manager=fake_manager)
    assert app.test_client().get("/ready").status_code == 200


def test_head_ready_answers_like_get(make_app: Callable[..., Flask], fake_manager: Any) -> None:
    client = make_app(model_manager=fake_manager).test_client()
    assert client.head("/ready").status_code == 503
    fake_manager.set_fraction(1.0)
    response = client.head("/ready")
    assert (response.status_code, response.data) == (200, b"")


def test_once_loaded_enough_the_model_stays_available_while_a_new_one_loads(
    make_app: Callable[..., Flask], fake_manager: Any
) -> None:
    client = make_app(model_manager=fake_manager).test_client()
    fake_manager.set_fraction(1.0)
    assert client.get("/ready").status_code == 200
    fake_manager.set_fraction(0.1)
    assert client.get("/ready").status_code == 200


def test_ready_follows_a_model_arriving_on_the_update_topic(
    example_app: Flask, publish: Callable[[str, str], None], caught_up: Callable[[Flask], None]
) -> None:
    client = example_app.test_client()
    assert client.get("/ready").status_code == 503
    publish("MODEL", '{"a":1}')
    caught_up(example_app)
    assert client.get("/ready").status_code == 200
