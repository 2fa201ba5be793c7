"""Oryx 2's HasCSV response formats and their compression."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable

import pytest
from flask import Flask

from oryx_core.api.serving import OryxServingError
from oryx_serving.lambda_.formats import IDCount, IDValue, respond, to_csv, to_json

LoadModel = Callable[[dict[str, int]], None]


@pytest.fixture
def app() -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    return app


def test_csv_of_id_values_is_one_id_value_line_each() -> None:
    assert to_csv([IDValue("a", 0.5), IDValue("b", 0.25)]) == "a,0.5\nb,0.25\n"


def test_json_of_id_values_is_an_array_of_objects() -> None:
    assert to_json([IDValue("a", 0.5)]) == '[{"id":"a","value":0.5}]'


def test_json_of_id_counts_uses_count() -> None:
    assert to_json([IDCount("a", 3)]) == '[{"id":"a","count":3}]'


def test_csv_of_id_counts_is_id_comma_count() -> None:
    assert to_csv([IDCount("a", 3)]) == "a,3\n"


def test_csv_of_a_dict_is_key_value_lines() -> None:
    assert to_csv({"x": 1, "y": 2}) == "x,1\ny,2\n"


def test_json_of_a_dict_is_an_object() -> None:
    assert to_json({"x": 1}) == '{"x":1}'


def test_a_scalar_is_its_string_form_in_csv_and_a_json_scalar() -> None:
    assert (to_csv(7), to_json(7), to_json("w")) == ("7", "7", '"w"')


def test_a_plain_list_is_one_element_per_line() -> None:
    assert to_csv(["a", "b"]) == "a\nb\n"


def test_csv_quotes_ids_holding_commas() -> None:
    assert to_csv([IDValue("a,b", 1.0)]) == '"a,b",1.0\n'


def test_no_accept_header_gives_csv_as_text_plain(app: Flask) -> None:
    with app.test_request_context("/"):
        response = respond([IDValue("a", 1.0)])
    assert (response.mimetype, response.get_data(as_text=True)) == ("text/plain", "a,1.0\n")


def test_accept_anything_gives_text_plain(app: Flask) -> None:
    with app.test_request_context("/", headers={"Accept": "*/*"}):
        assert respond(1).mimetype == "text/plain"


def test_accept_json_gives_json(app: Flask) -> None:
    with app.test_request_context("/", headers={"Accept": "application/json"}):
        response = respond([IDValue("a", 1.0)])
    assert (response.mimetype, response.get_data(as_text=True)) == ("application/json", '[{"id":"a","value":1.0}]')


def test_accept_text_csv_gives_text_csv(app: Flask) -> None:
    with app.test_request_context("/", headers={"Accept": "text/csv"}):
        assert respond(1).mimetype == "text/csv"


def test_accepting_none_of_the_offered_types_is_406(app: Flask) -> None:
    with app.test_request_context("/", headers={"Accept": "image/png"}), pytest.raises(OryxServingError) as raised:
        respond(1)
    assert raised.value.status == 406


# ---- response compression --------------------------------------------------------------------------------------


def big_model(load_example_model: Callable[[dict[str, int]], None]) -> dict[str, int]:
    counts = {f"word{i}": i for i in range(500)}
    load_example_model(counts)
    return counts


def test_a_large_answer_is_gzipped_when_accepted(example_app: Flask, load_example_model: Callable[..., None]) -> None:
    counts = big_model(load_example_model)
    response = example_app.test_client().get("/distinct", headers={"Accept-Encoding": "gzip"})
    assert (response.headers["Content-Encoding"], response.headers["Vary"]) == ("gzip", "Accept-Encoding")
    assert gzip.decompress(response.data).decode() == "".join(f"{w},{c}\n" for w, c in counts.items())


def test_deflate_is_used_when_only_deflate_is_accepted(
    example_app: Flask, load_example_model: Callable[..., None]
) -> None:
    big_model(load_example_model)
    response = example_app.test_client().get(
        "/distinct", headers={"Accept-Encoding": "deflate", "Accept": "application/json"}
    )
    assert response.headers["Content-Encoding"] == "deflate"
    assert len(json.loads(zlib.decompress(response.data))) == 500


def test_no_compression_without_accept_encoding(example_app: Flask, load_example_model: Callable[..., None]) -> None:
    big_model(load_example_model)
    response = example_app.test_client().get("/distinct", headers={"Accept-Encoding": ""})
    assert "Content-Encoding" not in response.headers and response.text.startswith("word0,0\n")


def test_small_answers_are_compressed_too(example_app: Flask, load_example_model: Callable[..., None]) -> None:
    """Oryx 2's ``CompressedResponseTest`` reads a 27-byte ``/item/allIDs`` through ``GZIPInputStream``."""
    load_example_model({"a": 1})
    response = example_app.test_client().get("/distinct/a", headers={"Accept-Encoding": "gzip"})
    assert (response.headers["Content-Encoding"], gzip.decompress(response.data)) == ("gzip", b"1")


@pytest.mark.parametrize(
    ("accept_encoding", "coding"),
    [
        ("deflate;q=0.5, gzip;q=0.4", "deflate"),
        ("gzip; q=0.5, deflate", "deflate"),
        ("gzip, deflate", "gzip"),
        ("*", "gzip"),
        ("gzip;q=0, *", "deflate"),
        ("GZIP", "gzip"),
    ],
)
def test_the_coding_follows_accept_encoding_q_values(
    example_app: Flask, load_example_model: Callable[..., None], accept_encoding: str, coding: str
) -> None:
    load_example_model({"a": 1})
    response = example_app.test_client().get("/distinct/a", headers={"Accept-Encoding": accept_encoding})
    assert response.headers["Content-Encoding"] == coding


@pytest.mark.parametrize("accept_encoding", ["gzip;q=0", "*;q=0", "br", "identity", "gzip;q=abc"])
def test_no_compression_for_codings_refused_or_unknown(
    example_app: Flask, load_example_model: Callable[..., None], accept_encoding: str
) -> None:
    load_example_model({"a": 1})
    response = example_app.test_client().get("/distinct/a", headers={"Accept-Encoding": accept_encoding})
    assert ("Content-Encoding" in response.headers, response.text) == (False, "1")


def test_empty_and_error_answers_are_not_compressed(
    example_app: Flask, load_example_model: Callable[..., None]
) -> None:
    load_example_model({"a": 1})
    client = example_app.test_client()
    ready = client.get("/ready", headers={"Accept-Encoding": "gzip"})
    missing = client.get("/distinct/zebra", headers={"Accept-Encoding": "gzip"})
    assert (ready.status_code, "Content-Encoding" in ready.headers) == (200, False)
    assert (missing.status_code, "Content-Encoding" in missing.headers, missing.text) == (400, False, "No such word")
