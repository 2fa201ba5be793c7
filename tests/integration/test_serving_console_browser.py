"""The web console in a real headless Chromium: type into a form, click its button, read the answer shown.

The word-count example's console; the serving layer runs under gunicorn on the real broker. Chromium is driven
by browser_support (skipped, saying why, when Chromium or websocket-client is missing).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests
from browser_support import DevTools, requires_chromium, result_of
from support.waiting import wait_for

from oryx_core.topics.consumer import InputTopicReader
from oryx_core.topics.messages import MODEL
from oryx_core.topics.producer import TopicProducer

pytestmark = requires_chromium


@pytest.fixture
def console_url(
    start_serving: Callable[..., Any], serving_overrides: list[str], kafka_brokers: str, fresh_topics: tuple[str, str]
) -> str:
    with TopicProducer(kafka_brokers, fresh_topics[1]) as producer:
        producer.send_sync(MODEL, json.dumps({"apple": 2, "banana": 1}))
    server = start_serving(*serving_overrides, "oryx.serving.api.context-path=/oryx")
    wait_for(lambda: requests.get(f"{server.base_url}/oryx/ready", timeout=5).status_code == 200, 60, "/ready")
    return f"{server.base_url}/oryx/"


GET_WORD = 'form[data-path="/distinct/{word}"]'
GET_ALL = 'form[data-path="/distinct"]'
ADD_LINE = 'form[data-path="/add/{line}"]'


def test_a_query_form_shows_the_answer(browser: Callable[[str], DevTools], console_url: str) -> None:
    page = browser(console_url)
    page.type_into(f"{GET_WORD} input[name=word]", "banana")
    page.click(f"{GET_WORD} button")
    assert result_of(page, GET_WORD) == "200 OK\n1"


def test_a_query_form_can_ask_for_json(browser: Callable[[str], DevTools], console_url: str) -> None:
    page = browser(console_url)
    page.evaluate(f"document.querySelector('{GET_ALL} select[name=accept]').value = 'application/json'")
    page.click(f"{GET_ALL} button")
    status, body = result_of(page, GET_ALL).split("\n", 1)
    assert (status, json.loads(body)) == ("200 OK", {"apple": 2, "banana": 1})


def test_an_unknown_word_shows_the_400_message(browser: Callable[[str], DevTools], console_url: str) -> None:
    page = browser(console_url)
    page.type_into(f"{GET_WORD} input[name=word]", "zebra")
    page.click(f"{GET_WORD} button")
    assert result_of(page, GET_WORD) == "400 BAD REQUEST\nNo such word"


def test_a_write_form_sends_the_line_to_the_input_topic(
    browser: Callable[[str], DevTools], console_url: str, kafka_brokers: str, fresh_topics: tuple[str, str]
) -> None:
    page = browser(console_url)
    page.type_into(f"{ADD_LINE} input[name=line]", "kiwi/lime mango")
    page.click(f"{ADD_LINE} button")
    assert result_of(page, ADD_LINE) == "204 NO CONTENT"
    reader = InputTopicReader(kafka_brokers, fresh_topics[0], group_id=f"test-{fresh_topics[0]}")
    try:
        messages = list(reader.read_range(reader.committed_offsets(), reader.end_offsets(), idle_timeout=10))
    finally:
        reader.close()
    assert [m.message for m in messages] == ["kiwi/lime mango"]
