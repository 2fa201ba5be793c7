"""A deterministic fuzz run over ``/openapi.json``: odd and hostile inputs to every operation give no 5xx.

Every documented operation (and every other method on its path) gets generated bad inputs: odd path segments,
huge and non-finite numbers, unicode and invalid UTF-8, empty bodies, wrong content types, gzip and zip garbage,
decompression bombs and odd Accept headers. A model is loaded and the producer works, so a 503 here would be a
bug too. (A property-based run with schemathesis would explore further; it is not a dependency yet.)
"""

from __future__ import annotations

import gzip
import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

PATH_VALUES = [
    "",
    " ",
    ".",
    "..",
    "../../etc/passwd",
    "a/b/c",
    "-1",
    "0",
    "9" * 400,
    "1e309",
    "NaN",
    "-Infinity",
    "\u00fc\u00df",
    "\u65e5\u672c\u8a9e",
    "\U0001f642",
    "\u202e\u200b",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    'a,b,"c',
    "x" * 5000,
    "\t\r\n",
]
RAW_PATH_SEGMENTS = ["%00", "%ZZ", "%FF%FE", "%ED%A0%80", "%2F%2F", "%", "a%2", "%C0%AE%C0%AE"]
ACCEPTS = ["", "*/*", "application/json", "text/csv", "image/png", "*/*;q=abc", "application/json;q=0", "\u00e9/\u00e9"]
OTHER_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]


def zip_garbage() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.txt", "x y\n")
    return archive.getvalue()[:-10]


def bodies() -> Iterator[tuple[str, bytes, dict[str, str]]]:
    """(what, body, headers) combinations that are malformed, mistyped or merely unusual."""
    plain = {"Content-Type": "text/plain"}
    yield "empty", b"", plain
    yield "empty json", b"", {"Content-Type": "application/json"}
    yield "json garbage", b"{[}", {"Content-Type": "application/json"}
    yield "nul and high bytes", b"\x00\xff\xfe\x00", plain
    yield "invalid utf-8", b"a \xc3\x28 b\n", plain
    yield "long line", b"w " * 50_000, plain
    yield "many blank lines", b"\n" * 10_000, plain
    yield "csv quotes", b'"unterminated,quote\n"a""b",c\n', {"Content-Type": "text/csv"}
    yield "gzip garbage", b"\x1f\x8b\x08\x00garbage", {**plain, "Content-Encoding": "gzip"}
    yield "truncated gzip", gzip.compress(b"a b\n" * 100)[:-12], {**plain, "Content-Encoding": "gzip"}
    yield "deflate garbage", b"\x78\x9cgarbage", {**plain, "Content-Encoding": "deflate"}
    yield "gzip bomb", gzip.compress(b"a" * 20_000_000), {**plain, "Content-Encoding": "gzip"}
    yield "double coding", gzip.compress(b"a b\n"), {**plain, "Content-Encoding": "gzip, br"}
    yield "unknown coding", b"a b", {**plain, "Content-Encoding": "zstd"}
    yield "xml", b"<a/>", {"Content-Type": "application/xml"}
    yield "form", b"a=b&c", {"Content-Type": "application/x-www-form-urlencoded"}
    yield "image", b"\x89PNG", {"Content-Type": "image/png"}
    yield "bad content type", b"a b", {"Content-Type": ";;;"}
    yield "multipart without boundary", b"--x\r\n", {"Content-Type": "multipart/form-data"}
    yield "multipart garbage", b"--x\r\ngarbage", {"Content-Type": "multipart/form-data; boundary=x"}
    part = (
        b'--x\r\nContent-Disposition: form-data; name="f"; filename="a.zip"\r\nContent-Type: application/zip\r\n\r\n'
        + zip_garbage()
        + b"\r\n--x--\r\n"
    )
    yield "multipart zip garbage", part, {"Content-Type": "multipart/form-data; boundary=x"}
    gz_part = (
        b'--x\r\nContent-Disposition: form-data; name="f"; filename="a.gz"\r\nContent-Type: application/gzip\r\n\r\n'
        + b"\x1f\x8bnot gzip"
        + b"\r\n--x--\r\n"
    )
    yield "multipart gzip garbage", gz_part, {"Content-Type": "multipart/form-data; boundary=x"}


def fill(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def check(client: FlaskClient, method: str, url: str, failures: list[str], **kwargs: Any) -> None:
    response = client.open(url, method=method, **kwargs)
    if response.status_code >= 500:
        failures.append(f"{method} {url[:80]!r} {str(kwargs)[:120]} -> {response.status_code} {response.text[:200]}")


@pytest.fixture
def fuzzed_app(make_app: Any, publish: Any, caught_up: Any) -> Flask:
    app: Flask = make_app(
        "oryx.serving.model-manager-class=com.cloudera.oryx.example.serving.ExampleServingModelManager",
        "oryx.serving.application-resources=com.cloudera.oryx.example.serving",
        "oryx.serving.api.max-request-bytes=1048576",
    )
    publish("MODEL", '{"apple":2,"banana":1}')
    caught_up(app)
    return app


def operations(client: FlaskClient) -> list[tuple[str, str, dict[str, Any]]]:
    spec = client.get("/openapi.json").get_json()
    return [(path, method.upper(), op) for path, item in spec["paths"].items() for method, op in item.items()]


def test_openapi_lists_operations_to_fuzz(fuzzed_app: Flask) -> None:
    assert len(operations(fuzzed_app.test_client())) >= 9


def test_odd_path_segments_and_accept_headers_give_no_5xx(fuzzed_app: Flask) -> None:
    client = fuzzed_app.test_client()
    failures: list[str] = []
    for path, method, _ in operations(client):
        values = [quote(v, safe="") for v in PATH_VALUES] + RAW_PATH_SEGMENTS if "{" in path else [""]
        for value, accept in itertools.product(values, ACCEPTS[:3]):
            check(client, method, fill(path, value), failures, headers={"Accept": accept} if accept else {})
        for accept in ACCEPTS:
            check(client, method, fill(path, "apple"), failures, headers={"Accept": accept})
    assert failures == []


def test_every_method_on_every_documented_path_gives_no_5xx(fuzzed_app: Flask) -> None:
    client = fuzzed_app.test_client()
    failures: list[str] = []
    for path in {p for p, _, _ in operations(client)}:
        for method in OTHER_METHODS:
            check(client, method, fill(path, "apple") + "?x=%00&y=" + "9" * 400, failures)
    assert failures == []


def test_bad_bodies_give_no_5xx(fuzzed_app: Flask) -> None:
    client = fuzzed_app.test_client()
    failures: list[str] = []
    for path, method, op in operations(client):
        if method not in ("POST", "PUT", "DELETE") and "requestBody" not in op:
            continue
        for _what, body, headers in bodies():
            check(client, method, fill(path, "apple"), failures, data=body, headers=headers)
    assert failures == []


def test_bodies_sent_where_none_is_expected_give_no_5xx(fuzzed_app: Flask) -> None:
    client = fuzzed_app.test_client()
    failures: list[str] = []
    for path, method, _ in operations(client):
        if method == "GET":
            for _what, body, headers in itertools.islice(bodies(), 0, None, 4):
                check(client, method, fill(path, "apple"), failures, data=body, headers=headers)
    assert failures == []
