"""One error mapping for the app: Oryx 2 status codes with plain-text bodies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from oryx_core.api.serving import OryxServingError
from oryx_serving.lambda_.errors import check, check_exists, check_not_read_only, require_model


def app_raising(make_app: Callable[..., Flask], fake_manager: Any, error: Exception) -> Flask:
    app = make_app(model_manager=fake_manager)

    @app.get("/boom")
    def boom() -> str:
        raise error

    return app


def test_oryx_serving_error_gives_its_status_and_message(make_app: Callable[..., Flask], fake_manager: Any) -> None:
    response = app_raising(make_app, fake_manager, OryxServingError(404, "user-7")).test_client().get("/boom")
    assert (response.status_code, response.text, response.mimetype) == (404, "user-7", "text/plain")


def test_unhandled_exception_is_500_with_a_short_message_and_a_logged_traceback(
    make_app: Callable[..., Flask], fake_manager: Any, caplog: pytest.LogCaptureFixture
) -> None:
    response = app_raising(make_app, fake_manager, KeyError("secret")).test_client().get("/boom")
    assert (response.status_code, response.text) == (500, "Error 500 : /boom\nInternal server error: KeyError")
    assert any(record.exc_info for record in caplog.records)


def test_unknown_path_is_404_in_plain_text(make_app: Callable[..., Flask], fake_manager: Any) -> None:
    response = make_app(model_manager=fake_manager).test_client().get("/nothing-here")
    assert (response.status_code, response.mimetype) == (404, "text/plain")


def test_wrong_method_is_405(make_app: Callable[..., Flask], fake_manager: Any) -> None:
    response = make_app(model_manager=fake_manager).test_client().post("/ready")
    assert response.status_code == 405


def test_check_raises_400_with_the_message() -> None:
    with pytest.raises(OryxServingError) as raised:
        check(False, "howMany must be positive")
    assert (raised.value.status, raised.value.message) == (400, "howMany must be positive")


def test_check_passes_when_the_condition_holds() -> None:
    check(True, "unused")


def test_check_exists_raises_404_with_the_id_as_body() -> None:
    with pytest.raises(OryxServingError) as raised:
        check_exists(False, "item-42")
    assert (raised.value.status, raised.value.message) == (404, "item-42")


def test_check_not_read_only_raises_403(make_app: Callable[..., Flask], fake_manager: Any) -> None:
    state = make_app("oryx.serving.api.read-only=true", model_manager=fake_manager).extensions["oryx"]
    with pytest.raises(OryxServingError) as raised:
        check_not_read_only(state)
    assert (raised.value.status, raised.value.message) == (403, "Serving Layer is read-only")


def test_require_model_returns_the_model_once_loaded(make_app: Callable[..., Flask], fake_manager: Any) -> None:
    state = make_app(model_manager=fake_manager).extensions["oryx"]
    fake_manager.set_fraction(1.0)
    assert require_model(state) is fake_manager.model


def test_require_model_is_503_without_a_model(make_app: Callable[..., Flask], fake_manager: Any) -> None:
    state = make_app(model_manager=fake_manager).extensions["oryx"]
    with pytest.raises(OryxServingError) as raised:
        require_model(state)
    assert raised.value.status == 503
