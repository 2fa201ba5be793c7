"""Content negotiation as Oryx 2's Jersey did it: the clients Oryx 2 users run get the type Jersey gave them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from support.memory_topics import InMemoryBroker

from oryx_serving.lambda_.negotiation import parse_accept, select_media_type

OFFERED = ("text/plain", "text/csv", "application/json")
JAVA_DEFAULT = "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2"
"""What ``HttpURLConnection`` (and so Jersey's default client connector) sends when nobody sets ``Accept``, up to
JDK 11; later JDK 17 updates send ``JAVA_17_DEFAULT`` (the integration test runs the JDK to check)."""
JAVA_17_DEFAULT = "text/html, image/gif, image/jpeg, */*; q=0.2"
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CHROME = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
    "application/signed-exchange;v=b3;q=0.7"
)


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, "text/plain"),
        ("", "text/plain"),
        (JAVA_DEFAULT, "text/plain"),
        (JAVA_17_DEFAULT, "text/plain"),
        ("*/*", "text/plain"),  # curl
        (FIREFOX, "text/plain"),
        (CHROME, "text/plain"),
        ("text/plain", "text/plain"),
        ("text/csv", "text/csv"),
        ("application/json", "application/json"),
        ("TEXT/CSV", "text/csv"),
        ("text/csv; charset=utf-8", "text/csv"),
        ("text/*", "text/plain"),
        ("application/*", "application/json"),
        ("*", "text/plain"),
        ("text", "text/plain"),  # a type alone is that type's wildcard, as in Jersey
        ("text/csv, application/json", "text/csv"),
        ("application/json, text/csv", "application/json"),
        ("text/*;q=0.5, application/json;q=0.5", "application/json"),  # equal quality: the more specific range
        ("*/*;q=0.8, application/json", "application/json"),
        ("application/json;q=.5, text/csv;q=.4", "application/json"),
        ("text/plain;q=0, */*", "text/csv"),  # the most specific range sets a type's quality (RFC 9110)
        ("text/*;q=0, */*", "application/json"),
        ("*/*;q=abc", "text/plain"),  # invalid items are skipped; none left is like no header
        ("image/png, *; q=.2", "text/plain"),
    ],
)
def test_the_chosen_type_is_the_one_jersey_would_answer_with(accept: str | None, chosen: str) -> None:
    assert select_media_type(parse_accept(accept), OFFERED) == chosen


@pytest.mark.parametrize(
    "accept", ["text/html", "image/png", "application/json;q=0", "*/*;q=0", "text/html, image/gif", "\u00e9/\u00e9"]
)
def test_nothing_acceptable_is_none(accept: str) -> None:
    assert select_media_type(parse_accept(accept), OFFERED) is None


def test_java_defaults_bare_star_and_short_q_values_are_read_as_jersey_read_them() -> None:
    assert list(parse_accept(JAVA_DEFAULT)) == [
        ("text/html", 1),
        ("image/gif", 1),
        ("image/jpeg", 1),
        ("*/*", 0.2),
        ("*/*", 0.2),
    ]


LoadModel = Callable[[dict[str, int]], None]


@pytest.fixture
def loaded(example_app: Flask, load_example_model: LoadModel) -> Flask:
    load_example_model({"apple": 2, "banana": 1})
    return example_app


@pytest.mark.parametrize(
    ("accept", "mimetype", "body"),
    [
        (JAVA_DEFAULT, "text/plain", "apple,2\nbanana,1\n"),
        (JAVA_17_DEFAULT, "text/plain", "apple,2\nbanana,1\n"),
        ("*/*", "text/plain", "apple,2\nbanana,1\n"),
        (FIREFOX, "text/plain", "apple,2\nbanana,1\n"),
        ("text/csv", "text/csv", "apple,2\nbanana,1\n"),
        ("application/json", "application/json", '{"apple":2,"banana":1}'),
    ],
)
def test_result_endpoints_answer_each_client_in_its_type(loaded: Flask, accept: str, mimetype: str, body: str) -> None:
    response = loaded.test_client().get("/distinct", headers={"Accept": accept})
    assert (response.status_code, response.mimetype, response.text) == (200, mimetype, body)


def test_without_accept_the_answer_is_csv_as_text_plain(loaded: Flask) -> None:
    response = loaded.test_client().get("/distinct/apple")
    assert (response.status_code, response.mimetype, response.text) == (200, "text/plain", "2")


def test_406_comes_before_the_view_runs(loaded: Flask) -> None:
    """Jersey refused before calling the resource: an unknown word gets 406, not the view's 400."""
    response = loaded.test_client().get("/distinct/zebra", headers={"Accept": "text/html"})
    assert (response.status_code, response.text) == (
        406,
        "Not acceptable; this endpoint offers text/plain, text/csv, application/json",
    )


def test_writes_ignore_accept(loaded: Flask, broker: InMemoryBroker) -> None:
    response = loaded.test_client().post("/add", data="a b", headers={"Accept": "image/png"})
    assert response.status_code == 204
    assert [m.message for m in broker.messages("OryxInput")] == ["a b"]
