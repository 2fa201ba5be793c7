"""The ALS app's web console in a real headless Chromium, on a hand-checkable model served by gunicorn.

Items i1 (1,0), i2 (0,1), i3 (1,1), i4 (-1,0), i5 (0.5,0.5); user u1 (1,0.5) knows i1. A user types IDs into
the forms and clicks: the answers shown are the exact dot products and cosines, an unknown ID shows the 404
message, and the /pref form's body reaches the input topic as the line Oryx 2 would write.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import requests
from browser_support import DevTools, requires_chromium, result_of
from support.waiting import wait_for

from oryx_core.apps.als.messages import format_x_update, format_y_update
from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml
from oryx_core.ml.pmml import write_pmml
from oryx_core.topics.consumer import InputTopicReader
from oryx_core.topics.messages import MODEL, UP
from oryx_core.topics.producer import TopicProducer

pytestmark = requires_chromium

ITEMS = {"i1": (1.0, 0.0), "i2": (0.0, 1.0), "i3": (1.0, 1.0), "i4": (-1.0, 0.0), "i5": (0.5, 0.5)}
RECOMMEND = 'form[data-path="/recommend/{user_id}"]'
SIMILARITY = 'form[data-path="/similarity/{items}"]'
PREF = 'form[data-method="POST"][data-path="/pref/{user_id}/{item_id}"]'


@pytest.fixture
def console_url(start_serving: Callable[..., Any], kafka_brokers: str, fresh_topics: tuple[str, str]) -> str:
    input_topic, update_topic = fresh_topics
    description = ALSModelDescription(features=2, implicit=True, x_ids=("u1",), y_ids=tuple(ITEMS))
    with TopicProducer(kafka_brokers, update_topic) as producer:
        producer.send(MODEL, write_pmml(build_als_pmml(description)))
        for item, vector in ITEMS.items():
            producer.send(UP, format_y_update(item, np.array(vector)))
        producer.send(UP, format_x_update("u1", np.array([1.0, 0.5]), ["i1"]))
        producer.flush()
    server = start_serving(
        f"oryx.input-topic.broker={kafka_brokers}",
        f"oryx.input-topic.message.topic={input_topic}",
        f"oryx.update-topic.broker={kafka_brokers}",
        f"oryx.update-topic.message.topic={update_topic}",
        "oryx.serving.model-manager-class=com.cloudera.oryx.app.serving.als.model.ALSServingModelManager",
        "oryx.serving.application-resources=com.cloudera.oryx.app.serving.als",
        "oryx.serving.api.workers=1",
        "oryx.serving.api.threads=4",
    )
    wait_for(lambda: requests.get(f"{server.base_url}/ready", timeout=5).status_code == 200, 60, "/ready")
    return f"{server.base_url}/"


def test_recommend_shows_the_exact_ranking_without_known_items(
    browser: Callable[[str], DevTools], console_url: str
) -> None:
    page = browser(console_url)
    page.type_into(f"{RECOMMEND} input[name=user_id]", "u1")
    page.click(f"{RECOMMEND} button")
    assert result_of(page, RECOMMEND) == "200 OK\ni3,1.5\ni5,0.75\ni2,0.5\ni4,-1.0\n"


def test_similarity_as_json_shows_cosines(browser: Callable[[str], DevTools], console_url: str) -> None:
    page = browser(console_url)
    page.type_into(f"{SIMILARITY} input[name=items]", "i1")
    page.type_into(f"{SIMILARITY} input[name=howMany]", "2")
    page.evaluate(f"document.querySelector('{SIMILARITY} select[name=accept]').value = 'application/json'")
    page.click(f"{SIMILARITY} button")
    status, body = result_of(page, SIMILARITY).split("\n", 1)
    answer = json.loads(body)
    assert status == "200 OK"
    assert [row["id"] for row in answer] == ["i3", "i5"]
    assert [row["value"] for row in answer] == pytest.approx([2**-0.5, 2**-0.5])


def test_an_unknown_user_shows_the_404_message(browser: Callable[[str], DevTools], console_url: str) -> None:
    page = browser(console_url)
    page.type_into(f"{RECOMMEND} input[name=user_id]", "ghost")
    page.click(f"{RECOMMEND} button")
    status, message = result_of(page, RECOMMEND).split("\n", 1)
    assert status == "404 NOT FOUND" and "ghost" in message


def test_the_pref_form_writes_the_rating_to_the_input_topic(
    browser: Callable[[str], DevTools], console_url: str, kafka_brokers: str, fresh_topics: tuple[str, str]
) -> None:
    page = browser(console_url)
    page.type_into(f"{PREF} input[name=user_id]", "u7")
    page.type_into(f"{PREF} input[name=item_id]", "i4")
    page.type_into(f"{PREF} textarea[name=body]", "2.5")
    before = int(time.time() * 1000)
    page.click(f"{PREF} button")
    assert result_of(page, PREF) == "204 NO CONTENT"
    reader = InputTopicReader(kafka_brokers, fresh_topics[0], group_id=f"test-{fresh_topics[0]}")
    try:
        messages = list(reader.read_range(reader.committed_offsets(), reader.end_offsets(), idle_timeout=10))
    finally:
        reader.close()
    [line] = [m.message for m in messages]
    user, item, strength, stamp = line.split(",")
    assert (user, item, strength) == ("u7", "i4", "2.5")
    assert before <= int(stamp) <= int(time.time() * 1000)
