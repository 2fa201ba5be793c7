"""``DELETE /user/{user}``: one erasure tombstone on the input topic (``oryx_core.input.erasure``), or a 4xx.

The other layers tell a tombstone from data only by its key and read its value with ``parse_erasure``, so these
check exactly that: the key, the ID as given (however odd) and a time taken during the request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support.memory_topics import InMemoryBroker

from oryx_core.input.erasure import ERASE_INPUT_KEY, parse_erasure


def input_records(broker: InMemoryBroker) -> list[tuple[str | None, str]]:
    return [(record.key, record.message) for record in broker.messages("OryxInput")]


def test_erasing_a_user_no_model_knows_writes_one_tombstone_timed_in_the_request(
    client: FlaskClient, broker: InMemoryBroker
) -> None:
    before = int(time.time() * 1000)
    response = client.delete("/user/u1")
    after = int(time.time() * 1000)

    assert (response.status_code, response.data) == (204, b"")
    [(key, value)] = input_records(broker)
    assert key == ERASE_INPUT_KEY == "oryx.erase"
    erasure = parse_erasure(value)
    assert erasure.id_ == "u1"
    assert before <= erasure.erased_at_ms <= after


@pytest.mark.parametrize("user", ["a,b", 'q"uo"te', "ünïcödé 漢字", '["x","y"]', "a b", "allIDs", "-1"])
def test_odd_user_ids_round_trip_through_parse_erasure(client: FlaskClient, broker: InMemoryBroker, user: str) -> None:
    assert client.delete(f"/user/{quote(user, safe='')}").status_code == 204
    [(key, value)] = input_records(broker)
    assert key == ERASE_INPUT_KEY and parse_erasure(value).id_ == user


def test_read_only_mode_is_403_and_writes_nothing(make_als_app: Callable[..., Flask], broker: InMemoryBroker) -> None:
    client = make_als_app("oryx.serving.api.read-only=true").test_client()
    response = client.delete("/user/u1")
    assert (response.status_code, response.text) == (403, "Serving Layer is read-only")
    assert input_records(broker) == []


@pytest.mark.parametrize("blank", [" ", "%20%20", "%09", "%C2%A0"])
def test_a_blank_user_id_is_400_with_a_message_and_writes_nothing(
    client: FlaskClient, broker: InMemoryBroker, blank: str
) -> None:
    response = client.delete(f"/user/{blank}")
    assert response.status_code == 400 and "must not be empty or blank" in response.text
    assert input_records(broker) == []


def test_no_user_id_at_all_is_not_a_route(client: FlaskClient, broker: InMemoryBroker) -> None:
    """``/user/`` names no user, so routing answers 404 (as ``/pref//i1`` does) before the view is reached."""
    assert client.delete("/user/").status_code == 404
    assert input_records(broker) == []


def test_without_an_input_producer_it_is_503(make_als_app: Callable[..., Flask]) -> None:
    app = make_als_app()
    app.extensions["oryx"].input_producer = None
    assert app.test_client().delete("/user/u1").status_code == 503


def test_a_broker_refusal_is_503_with_retry_after(client: FlaskClient, broker: InMemoryBroker) -> None:
    broker.reject_deliveries("OryxInput", "broker down")
    response = client.delete("/user/u1")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"


def test_a_retry_with_the_same_idempotency_key_writes_the_tombstone_once(
    client: FlaskClient, broker: InMemoryBroker
) -> None:
    headers = {"Idempotency-Key": "erase-u1-once"}
    assert client.delete("/user/u1", headers=headers).status_code == 204
    assert client.delete("/user/u1", headers=headers).status_code == 204
    assert [key for key, _ in input_records(broker)] == [ERASE_INPUT_KEY]


def test_it_is_documented_as_a_write_and_kept_off_the_console(client: FlaskClient) -> None:
    operation = client.get("/openapi.json").get_json()["paths"]["/user/{user_id}"]["delete"]
    assert {"204", "400", "403", "503"} <= set(operation["responses"])
    assert 'data-path="/user/{user_id}"' not in client.get("/").text


def test_the_known_item_and_recommend_routes_under_user_are_untouched(client: FlaskClient) -> None:
    """``GET /user/allIDs`` still answers (503 without a model) rather than 405 from the new ``DELETE`` rule."""
    assert client.get("/user/allIDs").status_code == 503
