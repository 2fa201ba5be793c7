"""The word-count example's REST API: /distinct reads the model, /add writes input lines."""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from collections.abc import Callable

from flask import Flask
from support.memory_topics import InMemoryBroker

from oryx_core.topics.messages import KeyMessage, input_key

LoadModel = Callable[[dict[str, int]], None]


def input_lines(broker: InMemoryBroker) -> list[KeyMessage]:
    return broker.messages("OryxInput")


def test_distinct_is_503_before_any_model(example_app: Flask) -> None:
    assert example_app.test_client().get("/distinct").status_code == 503


def test_distinct_word_is_503_before_any_model(example_app: Flask) -> None:
    assert example_app.test_client().get("/distinct/a").status_code == 503


def test_distinct_defaults_to_csv_word_count_lines(example_app: Flask, load_example_model: LoadModel) -> None:
    load_example_model({"a": 2, "b": 1})
    response = example_app.test_client().get("/distinct")
    assert (response.status_code, response.mimetype, response.text) == (200, "text/plain", "a,2\nb,1\n")


def test_distinct_is_a_json_map_when_json_is_accepted(example_app: Flask, load_example_model: LoadModel) -> None:
    load_example_model({"a": 2, "b": 1})
    response = example_app.test_client().get("/distinct", headers={"Accept": "application/json"})
    assert (response.mimetype, response.get_json()) == ("application/json", {"a": 2, "b": 1})


def test_distinct_word_is_its_count(example_app: Flask, load_example_model: LoadModel) -> None:
    load_example_model({"a": 2, "b": 1})
    response = example_app.test_client().get("/distinct/a")
    assert (response.status_code, response.text) == (200, "2")


def test_distinct_unknown_word_is_400_no_such_word(example_app: Flask, load_example_model: LoadModel) -> None:
    load_example_model({"a": 2})
    response = example_app.test_client().get("/distinct/zebra")
    assert (response.status_code, response.text) == (400, "No such word")


def test_up_from_the_speed_layer_changes_the_answer(
    example_app: Flask,
    load_example_model: LoadModel,
    publish: Callable[[str, str], None],
    caught_up: Callable[[Flask], None],
) -> None:
    load_example_model({"a": 2})
    publish("UP", "a,9")
    caught_up(example_app)
    assert example_app.test_client().get("/distinct/a").text == "9"


def test_a_bad_message_is_skipped_and_later_updates_still_apply(
    example_app: Flask,
    load_example_model: LoadModel,
    publish: Callable[[str, str], None],
    caught_up: Callable[[Flask], None],
) -> None:
    load_example_model({"a": 2})
    publish("MODEL", "{not json")
    publish("UP", "a,3")
    caught_up(example_app)
    assert example_app.test_client().get("/distinct/a").text == "3"


def test_add_line_puts_the_line_on_the_input_topic_with_its_oryx_key(
    example_app: Flask, broker: InMemoryBroker
) -> None:
    response = example_app.test_client().post("/add/hello%20big%20world")
    assert (response.status_code, response.data) == (204, b"")
    assert input_lines(broker) == [KeyMessage(input_key("hello big world"), "hello big world")]


def test_add_line_keeps_slashes_in_the_line(example_app: Flask, broker: InMemoryBroker) -> None:
    assert example_app.test_client().post("/add/either/or").status_code == 204
    assert [m.message for m in input_lines(broker)] == ["either/or"]


def test_add_body_sends_every_line(example_app: Flask, broker: InMemoryBroker) -> None:
    response = example_app.test_client().post("/add", data="a b\n\nc d\n", content_type="text/plain")
    assert response.status_code == 204
    assert input_lines(broker) == [KeyMessage(input_key("a b"), "a b"), KeyMessage(input_key("c d"), "c d")]


def test_add_gzip_body(example_app: Flask, broker: InMemoryBroker) -> None:
    response = example_app.test_client().post(
        "/add", data=gzip.compress(b"g h\n"), headers={"Content-Encoding": "gzip"}, content_type="text/plain"
    )
    assert response.status_code == 204
    assert [m.message for m in input_lines(broker)] == ["g h"]


def test_add_deflate_body(example_app: Flask, broker: InMemoryBroker) -> None:
    response = example_app.test_client().post(
        "/add", data=zlib.compress(b"d e\n"), headers={"Content-Encoding": "deflate"}, content_type="text/plain"
    )
    assert response.status_code == 204
    assert [m.message for m in input_lines(broker)] == ["d e"]


def test_add_multipart_with_a_zip_part_and_a_gzip_part(example_app: Flask, broker: InMemoryBroker) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("words.txt", "z1 z2\nz3\n")
    form = {
        "zipped": (io.BytesIO(archive.getvalue()), "words.zip", "application/zip"),
        "gzipped": (io.BytesIO(gzip.compress(b"g1 g2\n")), "words.gz", "application/gzip"),
    }
    response = example_app.test_client().post("/add", data=form, content_type="multipart/form-data")
    assert response.status_code == 204
    assert sorted(m.message for m in input_lines(broker)) == ["g1 g2", "z1 z2", "z3"]


def test_add_is_403_in_read_only_mode(make_app: Callable[..., Flask], broker: InMemoryBroker) -> None:
    app = make_app(
        "oryx.serving.api.read-only=true",
        "oryx.serving.model-manager-class=com.cloudera.oryx.example.serving.ExampleServingModelManager",
        "oryx.serving.application-resources=com.cloudera.oryx.example.serving",
    )
    response = app.test_client().post("/add/a%20b")
    assert (response.status_code, response.text) == (403, "Serving Layer is read-only")
    assert input_lines(broker) == []


def test_add_is_503_when_the_broker_rejects_the_lines(example_app: Flask, broker: InMemoryBroker) -> None:
    broker.reject_deliveries("OryxInput", "broker down")
    response = example_app.test_client().post("/add/a%20b")
    assert (response.status_code, response.text) == (503, "input topic unavailable")


def test_get_on_add_is_405(example_app: Flask) -> None:
    assert example_app.test_client().get("/add/x").status_code == 405
