"""Request bodies: every type Oryx 2 accepted, plus curl's default, decoded as the client meant and bounded."""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from collections.abc import Callable

import pytest
from flask import Flask
from support.memory_topics import InMemoryBroker

from oryx_core.api.serving import OryxServingError
from oryx_serving.lambda_.bodies import (
    MAX_JSON_DEPTH,
    check_json_depth,
    json_nesting_exceeds,
    read_body_lines,
    read_body_text,
)

EXAMPLE = [
    "oryx.serving.model-manager-class=com.cloudera.oryx.example.serving.ExampleServingModelManager",
    "oryx.serving.application-resources=com.cloudera.oryx.example.serving",
]


@pytest.fixture
def app() -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    return app


def body_lines(app: Flask, data: bytes, **headers: str) -> list[str]:
    with app.test_request_context("/", method="POST", data=data, headers=headers):
        return read_body_lines()


def refusal(app: Flask, data: bytes, **headers: str) -> OryxServingError:
    with pytest.raises(OryxServingError) as raised:
        body_lines(app, data, **headers)
    return raised.value


def test_plain_body_lines_without_blank_ones(app: Flask) -> None:
    assert body_lines(app, b"a b\r\n\nc d\re f\n", **{"Content-Type": "text/plain"}) == ["a b", "c d", "e f"]


def test_a_form_urlencoded_body_is_the_raw_text_sent(app: Flask) -> None:
    """curl --data, urllib and HTML forms send this type; ``5`` stays ``5`` and nothing is URL-decoded."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert body_lines(app, b"5", **form) == ["5"]
    assert body_lines(app, b"a%2Cb=c+d&e\nu1,i1,1", **form) == ["a%2Cb=c+d&e", "u1,i1,1"]


def test_a_utf8_byte_order_mark_is_dropped(app: Flask) -> None:
    assert body_lines(app, "\ufeffé,1\n".encode(), **{"Content-Type": "text/csv"}) == ["é,1"]


def test_a_declared_charset_is_honoured(app: Flask) -> None:
    with app.test_request_context(
        "/", method="POST", data="é,ü\n".encode("latin-1"), headers={"Content-Type": "text/plain; charset=ISO-8859-1"}
    ):
        assert read_body_text() == "é,ü\n"
    utf16 = {"Content-Type": "text/plain; charset=utf-16"}
    assert body_lines(app, "x,1\ny,2".encode("utf-16"), **utf16) == ["x,1", "y,2"]


@pytest.mark.parametrize("charset", ["no-such-charset", "punycode", "rot13", "base64"])
def test_an_unknown_or_unsafe_charset_is_415(app: Flask, charset: str) -> None:
    error = refusal(app, b"x", **{"Content-Type": f"text/plain; charset={charset}"})
    assert (error.status, error.message) == (415, f"Unsupported charset {charset!r}; send UTF-8")


def test_bytes_that_are_not_utf8_are_400(app: Flask) -> None:
    error = refusal(app, b"a \xc3\x28 b\n", **{"Content-Type": "text/plain"})
    assert error.status == 400 and error.message.startswith("request body is not UTF-8 text: ")


def test_gzip_body_is_decompressed(app: Flask) -> None:
    data = gzip.compress(b"a b\nc d\n")
    assert body_lines(app, data, **{"Content-Encoding": "gzip", "Content-Type": "text/csv"}) == ["a b", "c d"]


def test_deflate_body_is_decompressed(app: Flask) -> None:
    data = zlib.compress(b"x,1\ny,2\n")
    assert body_lines(app, data, **{"Content-Encoding": "deflate"}) == ["x,1", "y,2"]


def test_codings_are_undone_in_reverse_order(app: Flask) -> None:
    data = zlib.compress(gzip.compress(b"x,1\n"))
    assert body_lines(app, data, **{"Content-Encoding": "gzip, deflate"}) == ["x,1"]


def test_corrupt_gzip_body_is_400(app: Flask) -> None:
    error = refusal(app, b"not gzip", **{"Content-Encoding": "gzip"})
    assert error.status == 400 and error.message.startswith("request body is not valid gzip data: ")


def test_unknown_content_encoding_is_415(app: Flask) -> None:
    assert refusal(app, b"x", **{"Content-Encoding": "br"}).status == 415


def test_a_body_inflating_past_the_size_cap_is_413(app: Flask) -> None:
    data = gzip.compress(b"a" * 1_000_000)  # about 1 KB, inflating to 100 times MAX_CONTENT_LENGTH
    error = refusal(app, data, **{"Content-Encoding": "gzip"})
    assert (error.status, error.message) == (
        413,
        "request body decompresses to more than 10000 bytes (oryx.serving.api.max-request-bytes)",
    )


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def multipart_lines(app: Flask, form: dict[str, object]) -> list[str]:
    with app.test_request_context("/", method="POST", data=form, content_type="multipart/form-data"):
        return read_body_lines()


def multipart(*parts: tuple[str, str | None, bytes]) -> bytes:
    """A multipart/form-data body with boundary ``x`` of (name, content type or None for a field, content)."""
    body = b""
    for name, content_type, content in parts:
        body += f'--x\r\nContent-Disposition: form-data; name="{name}"'.encode()
        body += f'; filename="{name}"\r\nContent-Type: {content_type}'.encode() if content_type else b""
        body += b"\r\n\r\n" + content + b"\r\n"
    return body + b"--x--\r\n"


def test_multipart_parts_are_read_in_order_with_zip_and_gzip_unpacked(app: Flask) -> None:
    body = multipart(
        ("first", "application/zip", zipped({"a.csv": "z1\nz2\n", "b.csv": "z3\n"})),
        ("second", "application/gzip", gzip.compress(b"g1\ng2\n")),
        ("field", None, b"f1\nf2"),
        ("third", "application/x-gzip", gzip.compress(b"x1\n")),
        ("plain", "text/plain", b"p1\n"),
    )
    lines = body_lines(app, body, **{"Content-Type": "multipart/form-data; boundary=x"})
    assert lines == ["z1", "z2", "z3", "g1", "g2", "f1", "f2", "x1", "p1"]


def test_multipart_from_a_form_encoder_is_read(app: Flask) -> None:
    form = {"f": (io.BytesIO(gzip.compress(b"g1\n")), "d.gz", "application/gzip"), "field": "f1"}
    assert sorted(multipart_lines(app, form)) == ["f1", "g1"]


def test_a_multipart_body_can_itself_be_gzip_encoded(app: Flask) -> None:
    body = b'--b\r\nContent-Disposition: form-data; name="f"\r\n\r\nu1,i1\r\n--b--\r\n'
    headers = {"Content-Type": "multipart/form-data; boundary=b", "Content-Encoding": "gzip"}
    assert body_lines(app, gzip.compress(body), **headers) == ["u1,i1"]


def test_multipart_corrupt_zip_is_400(app: Flask) -> None:
    with pytest.raises(OryxServingError) as raised:
        multipart_lines(app, {"f": (io.BytesIO(b"not a zip"), "d.zip", "application/zip")})
    assert (raised.value.status, raised.value.message) == (
        400,
        "part 'f' is not a valid zip archive: File is not a zip file",
    )


PART = (
    b'--x\r\nContent-Disposition: form-data; name="data"; filename="d.txt"\r\nContent-Type: text/plain\r\n\r\nu1,i1\r\n'
)


@pytest.mark.parametrize(
    ("what", "body", "content_type", "message"),
    [
        ("no boundary", PART + b"--x--\r\n", "multipart/form-data", "without a boundary parameter"),
        ("truncated in a part", PART[:-8], "multipart/form-data; boundary=x", "malformed multipart/form-data body"),
        ("no closing boundary", PART, "multipart/form-data; boundary=x", "malformed multipart/form-data body"),
        ("other boundary", PART + b"--x--\r\n", "multipart/form-data; boundary=y", "malformed multipart/form-data"),
        ("no parts", b"--x--\r\n", "multipart/form-data; boundary=x", "multipart/form-data body has no parts"),
        (
            "no disposition",
            b"--x\r\nA: b\r\n\r\nu1\r\n--x--\r\n",
            "multipart/form-data; boundary=x",
            "Content-Disposition",
        ),
    ],
)
def test_malformed_multipart_is_400_with_a_message(
    app: Flask, what: str, body: bytes, content_type: str, message: str
) -> None:
    error = refusal(app, body, **{"Content-Type": content_type})
    assert error.status == 400 and message in error.message, what


def test_malformed_multipart_sends_nothing(make_app: Callable[..., Flask], broker: InMemoryBroker) -> None:
    """Before: 204 and nothing sent, so the client believed its upload had been taken."""
    client = make_app(*EXAMPLE).test_client()
    response = client.post("/add", data=PART, content_type="multipart/form-data; boundary=x")
    assert response.status_code == 400 and response.text.startswith("malformed multipart/form-data body: ")
    response = client.post("/add", data=PART + b"--x--\r\n", content_type="multipart/form-data")
    assert (response.status_code, response.text) == (
        400,
        "multipart/form-data body without a boundary parameter in its Content-Type",
    )
    assert broker.messages("OryxInput") == []


def nested(depth: int) -> str:
    return "[" * depth + '"a"' + "]" * depth


def test_a_json_line_nested_past_the_limit_is_400_naming_the_line(app: Flask) -> None:
    error = refusal(app, f'["u","i"]\n{nested(3000)}\n'.encode(), **{"Content-Type": "application/json"})
    assert (error.status, error.message) == (
        400,
        f"line 2 of the request body is a JSON array nested deeper than {MAX_JSON_DEPTH} levels",
    )


def test_objects_count_towards_the_nesting_too(app: Flask) -> None:
    line = "[" + '{"a":' * 1500 + "1" + "}" * 1500 + "]"  # past Python's recursion limit, under the 10 kB cap
    error = refusal(app, line.encode(), **{"Content-Type": "application/json"})
    assert (error.status, error.message) == (
        400,
        f"line 1 of the request body is a JSON array nested deeper than {MAX_JSON_DEPTH} levels",
    )


def test_json_nesting_counts_brackets_outside_strings_only() -> None:
    assert json_nesting_exceeds(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)
    assert not json_nesting_exceeds(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)
    inside_strings = '["' + "[" * 5000 + '", "\\"' + "{" * 5000 + '"]'
    assert not json_nesting_exceeds(inside_strings, MAX_JSON_DEPTH)
    assert not json_nesting_exceeds("[1]" * 5000, MAX_JSON_DEPTH)  # many, but side by side


def test_only_lines_read_as_json_arrays_are_depth_checked() -> None:
    check_json_depth("[" * 5000, "a CSV field")  # does not end with "]": parse_line reads it as CSV
    with pytest.raises(OryxServingError):
        check_json_depth(nested(5000) + "\r\n", "a line")


@pytest.mark.parametrize("path", ["/add", "/add/" + "%5B" * 1500 + "%5D" * 1500])
def test_deep_json_never_reaches_the_input_topic(
    make_app: Callable[..., Flask], broker: InMemoryBroker, path: str
) -> None:
    client = make_app(*EXAMPLE).test_client()
    response = client.post(path, data=nested(3000), content_type="application/json")
    assert response.status_code == 400 and "nested deeper than 100 levels" in response.text
    assert broker.messages("OryxInput") == []


def test_a_chunked_body_of_exactly_the_cap_is_accepted(make_app: Callable[..., Flask], broker: InMemoryBroker) -> None:
    app = make_app(*EXAMPLE, "oryx.serving.api.max-request-bytes=100")
    response = app.test_client().post(
        "/add",
        input_stream=io.BytesIO(b"y" * 100),
        headers={"Transfer-Encoding": "chunked", "Content-Type": "text/plain"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 204
    assert [m.message for m in broker.messages("OryxInput")] == ["y" * 100]
