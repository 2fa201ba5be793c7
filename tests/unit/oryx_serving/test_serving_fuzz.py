"""A deterministic fuzz run over ``/openapi.json``: odd and hostile inputs to every operation give no 5xx.

Every documented operation (and every other method on its path) of the example, ALS and k-means apps gets
generated bad inputs: odd path segments, huge and non-finite numbers, unicode and invalid UTF-8, empty bodies,
binary garbage, JSON nested 3,000 deep, wrong content types and charsets, gzip and zip garbage, decompression
bombs, and hostile headers (huge or malformed ``Accept`` and ``Accept-Encoding``, impossible ``Content-Length``).
A model is loaded and the producer works, so a 503 here would be a bug too. (A property-based run with
schemathesis would explore further; it is not a dependency yet.)
"""

from __future__ import annotations

import gzip
import io
import itertools
import random
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient

from oryx_core.apps.als.messages import format_x_update, format_y_update
from oryx_core.apps.als.model_pmml import ALSModelDescription, build_als_pmml
from oryx_core.apps.kmeans.clusters import KMeansModel
from oryx_core.apps.kmeans.pmml import build_kmeans_pmml
from oryx_core.apps.kmeans.points import kmeans_schema
from oryx_core.config import load_config
from oryx_core.ml.pmml import write_pmml

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
ACCEPTS = [
    "",
    "*/*",
    "application/json",
    "text/csv",
    "image/png",
    "*/*;q=abc",
    "application/json;q=0",
    "\u00e9/\u00e9",
    "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2",
]
OTHER_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]
DEEP_JSON = "[" * 3000 + '"a"' + "]" * 3000
HOSTILE_HEADERS: list[dict[str, str]] = [
    {"Accept": "text/plain, " * 20_000},
    {"Accept": "*/*;q=2"},
    {"Accept": "text/csv;q=-1, application/json;q=1.5"},
    {"Accept": ",,,;;;,"},
    {"Accept": "text/csv;q=0.5;q=0.7"},
    {"Accept": '"text/csv", *;q=.99999, */*;q=.2.3'},
    {"Accept": "/, text/, */csv, ;q=1"},
    {"Accept": "text/plain;" + "a=b;" * 5_000},
    {"Accept-Encoding": "gzip;q=nan, deflate;q=inf"},
    {"Accept-Encoding": "*;q=-1, gzip;q=abc, br"},
    {"Accept-Encoding": "x" * 100_000},
    {"Accept-Charset": "\u00ff\u00fe"},
    {"Content-Type": "text/plain; charset=utf-16"},
    {"Content-Type": "text/plain; charset=punycode"},
    {"Content-Type": "text/plain; charset=\u00e9"},
    {"Content-Type": "text/plain; charset="},
    {"Content-Type": "application/x-www-form-urlencoded; charset=latin-1"},
    {"Content-Type": "multipart/form-data; boundary=" + "b" * 2_000},
    {"Content-Type": 'multipart/form-data; boundary="\u00e9"'},
    {"Content-Encoding": "gzip, gzip"},
    {"Content-Encoding": ",,, identity"},
    {"Transfer-Encoding": "chunked"},
    {"Authorization": "Digest " + "x" * 5_000},
]
BAD_CONTENT_LENGTHS = ["-1", "abc", "99999999999999999999", "1000", "1"]
"""Set in the WSGI environ (the test client would overwrite a header): negative, not a number, past any cap,
longer than the body sent, shorter than it."""


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
    yield "gzip bomb of zeros", gzip.compress(bytes(8_000_000)), {**plain, "Content-Encoding": "gzip"}
    yield "deep json", DEEP_JSON.encode(), {"Content-Type": "application/json"}
    yield "deep json lines", f'["u1","i1"]\n{DEEP_JSON}\n'.encode(), {"Content-Type": "text/csv"}
    yield "deep json as a form", DEEP_JSON.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
    yield "deep json gzipped", gzip.compress(DEEP_JSON.encode()), {**plain, "Content-Encoding": "gzip"}
    yield "deep json object", b"[" + b'{"a":' * 3000 + b"1" + b"}" * 3000 + b"]", {"Content-Type": "application/json"}
    yield "binary garbage", random.Random(7).randbytes(4096), plain
    yield "binary garbage as json", random.Random(8).randbytes(4096), {"Content-Type": "application/json"}
    yield "utf-16 as utf-8", "u1,i1\n".encode("utf-16"), plain
    yield "odd utf-16", b"\xff\xfeu\x001", {"Content-Type": "text/plain; charset=utf-16"}
    yield "unknown charset", b"u1,i1", {"Content-Type": "text/plain; charset=x-no-such"}
    yield "huge number", b"u1,i1," + b"9" * 5000, plain
    yield "x-gzip", gzip.compress(b"u1,i1\n"), {**plain, "Content-Encoding": "x-gzip"}
    yield "double coding", gzip.compress(b"a b\n"), {**plain, "Content-Encoding": "gzip, br"}
    yield "unknown coding", b"a b", {**plain, "Content-Encoding": "zstd"}
    yield "xml", b"<a/>", {"Content-Type": "application/xml"}
    yield "form", b"a=b&c", {"Content-Type": "application/x-www-form-urlencoded"}
    yield "image", b"\x89PNG", {"Content-Type": "image/png"}
    yield "bad content type", b"a b", {"Content-Type": ";;;"}
    yield "multipart without boundary", b"--x\r\n", {"Content-Type": "multipart/form-data"}
    yield "multipart garbage", b"--x\r\ngarbage", {"Content-Type": "multipart/form-data; boundary=x"}
    yield (
        "multipart truncated",
        b'--x\r\nContent-Disposition: form-data; name="f"\r\n\r\nu1',
        {"Content-Type": "multipart/form-data; boundary=x"},
    )
    yield "multipart without parts", b"--x--\r\n", {"Content-Type": "multipart/form-data; boundary=x"}
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


KMEANS_SCHEMA = [
    'oryx.input-schema.feature-names=["id", "x", "y"]',
    'oryx.input-schema.id-features=["id"]',
    "oryx.input-schema.categorical-features=[]",
]
APPS: dict[str, list[str]] = {
    "example": [
        "oryx.serving.model-manager-class=com.cloudera.oryx.example.serving.ExampleServingModelManager",
        "oryx.serving.application-resources=com.cloudera.oryx.example.serving",
    ],
    "als": [
        "oryx.serving.model-manager-class=com.cloudera.oryx.app.serving.als.model.ALSServingModelManager",
        "oryx.serving.application-resources=com.cloudera.oryx.app.serving.als",
    ],
    "kmeans": [
        "oryx.serving.model-manager-class=com.cloudera.oryx.app.serving.kmeans.model.KMeansServingModelManager",
        "oryx.serving.application-resources=com.cloudera.oryx.app.serving,com.cloudera.oryx.app.serving.clustering,"
        "com.cloudera.oryx.app.serving.kmeans",
        *KMEANS_SCHEMA,
    ],
}


def model_messages(app: str) -> list[tuple[str, str]]:
    """A small model of each app, as the batch and speed layers would publish it."""
    if app == "example":
        return [("MODEL", '{"apple":2,"banana":1}')]
    if app == "als":
        description = ALSModelDescription(features=2, implicit=True, x_ids=("u1",), y_ids=("apple", "i2"))
        return [
            ("MODEL", write_pmml(build_als_pmml(description))),
            ("UP", format_y_update("apple", np.array([1.0, 0.0]))),
            ("UP", format_y_update("i2", np.array([0.0, 1.0]))),
            ("UP", format_x_update("u1", np.array([1.0, 0.5]), ["apple"])),
        ]
    schema = kmeans_schema(load_config(None, KMEANS_SCHEMA))
    return [("MODEL", write_pmml(build_kmeans_pmml(schema, KMeansModel.of([[0.0, 0.0], [10.0, 0.0]], [5, 5]), 0)))]


@pytest.fixture(params=sorted(APPS))
def fuzzed_app(
    request: pytest.FixtureRequest,
    make_app: Callable[..., Flask],
    publish: Callable[[str, str], None],
    caught_up: Callable[[Flask], None],
) -> Flask:
    app = make_app(*APPS[request.param], "oryx.serving.api.max-request-bytes=1048576")
    for key, message in model_messages(request.param):
        publish(key, message)
    caught_up(app)
    assert app.test_client().get("/ready").status_code == 200
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


def test_hostile_headers_give_no_5xx(fuzzed_app: Flask) -> None:
    client = fuzzed_app.test_client()
    failures: list[str] = []
    for path, method, _ in operations(client):
        url = fill(path, "apple")
        for headers in HOSTILE_HEADERS:
            check(client, method, url, failures, data=b"apple,i2,1\n", headers=headers)
        for length in BAD_CONTENT_LENGTHS:
            overrides = {"CONTENT_LENGTH": length}
            check(client, method, url, failures, data=b"apple,i2,1\n", environ_overrides=overrides)
    assert failures == []


def test_deep_json_in_any_path_parameter_is_400_before_any_parser_sees_it(fuzzed_app: Flask) -> None:
    client = fuzzed_app.test_client()
    answers = {
        (method, path): client.open(fill(path, quote(DEEP_JSON, safe="")), method=method)
        for path, method, _ in operations(client)
        if "{" in path
    }
    assert answers
    for (method, path), response in answers.items():
        assert response.status_code == 400, (method, path, response.text)
        assert response.text.startswith("path parameter ") and "nested deeper than 100 levels" in response.text
