"""Oryx 2's HasCSV negotiation and the request bodies every ingest endpoint accepts."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
import zlib
from collections.abc import Callable

import pytest
from flask import Flask

from oryx_core.api.serving import OryxServingError
from oryx_serving.lambda_.formats import IDCount, IDValue, read_body_lines, respond, to_csv, to_json


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


def body_lines(app: Flask, data: bytes, **headers: str) -> list[str]:
    with app.test_request_context("/", method="POST", data=data, headers=headers):
        return read_body_lines()


def test_plain_body_lines_without_blank_ones(app: Flask) -> None:
    assert body_lines(app, b"a b\r\n\nc d\n", **{"Content-Type": "text/plain"}) == ["a b", "c d"]


def test_gzip_body_is_decompressed(app: Flask) -> None:
    data = gzip.compress(b"a b\nc d\n")
    assert body_lines(app, data, **{"Content-Encoding": "gzip", "Content-Type": "text/csv"}) == ["a b", "c d"]


def test_deflate_body_is_decompressed(app: Flask) -> None:
    data = zlib.compress(b"x,1\ny,2\n")
    assert body_lines(app, data, **{"Content-Encoding": "deflate"}) == ["x,1", "y,2"]


def test_raw_deflate_body_is_decompressed(app: Flask) -> None:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    data = compressor.compress(b"x,1\n") + compressor.flush()
    assert body_lines(app, data, **{"Content-Encoding": "deflate"}) == ["x,1"]


def test_corrupt_gzip_body_is_400(app: Flask) -> None:
    with pytest.raises(OryxServingError) as raised:
        body_lines(app, b"not gzip", **{"Content-Encoding": "gzip"})
    assert raised.value.status == 400


def test_unknown_content_encoding_is_415(app: Flask) -> None:
    with pytest.raises(OryxServingError) as raised:
        body_lines(app, b"x", **{"Content-Encoding": "br"})
    assert raised.value.status == 415


def test_a_gzip_bomb_is_refused_with_413(app: Flask) -> None:
    data = gzip.compress(b"a" * 1_000_000)  # about 1 KB, inflating to 100 times MAX_CONTENT_LENGTH
    with pytest.raises(OryxServingError) as raised:
        body_lines(app, data, **{"Content-Encoding": "gzip"})
    assert raised.value.status == 413


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_multipart_zip_and_gzip_parts_are_unpacked(app: Flask) -> None:
    form = {
        "first": (io.BytesIO(zipped({"a.csv": "z1\nz2\n", "b.csv": "z3\n"})), "data.zip", "application/zip"),
        "second": (io.BytesIO(gzip.compress(b"g1\ng2\n")), "data.gz", "application/gzip"),
        "third": (io.BytesIO(gzip.compress(b"x1\n")), "data2.gz", "application/x-gzip"),
        "plain": (io.BytesIO(b"p1\n"), "data.txt", "text/plain"),
    }
    with app.test_request_context("/", method="POST", data=form, content_type="multipart/form-data"):
        lines = read_body_lines()
    assert sorted(lines) == ["g1", "g2", "p1", "x1", "z1", "z2", "z3"]


def test_multipart_zip_keeps_member_order(app: Flask) -> None:
    form = {"f": (io.BytesIO(zipped({"a": "1\n2\n", "b": "3\n"})), "d.zip", "application/zip")}
    with app.test_request_context("/", method="POST", data=form, content_type="multipart/form-data"):
        assert read_body_lines() == ["1", "2", "3"]


def test_multipart_corrupt_zip_is_400(app: Flask) -> None:
    form = {"f": (io.BytesIO(b"not a zip"), "d.zip", "application/zip")}
    with (
        app.test_request_context("/", method="POST", data=form, content_type="multipart/form-data"),
        pytest.raises(OryxServingError) as raised,
    ):
        read_body_lines()
    assert raised.value.status == 400


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


def test_small_answers_are_not_compressed(example_app: Flask, load_example_model: Callable[..., None]) -> None:
    load_example_model({"a": 1})
    response = example_app.test_client().get("/distinct/a", headers={"Accept-Encoding": "gzip"})
    assert ("Content-Encoding" in response.headers, response.text) == (False, "1")
