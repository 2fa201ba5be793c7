"""The requests Oryx 2's tests send through Jersey's test client, as Flask test-client calls.

``target(path).request().get(String.class)`` sends Java's default ``Accept`` header (``HttpURLConnection``
adds it when the request names none) and throws on any status but 2xx; ``.accept(APPLICATION_JSON_TYPE)``
asks for JSON; ``post(Entity.text(...))`` is a ``text/plain`` body; ``getFormPostResponse`` is a multipart form
with one part named ``data`` whose type is ``text/plain`` or, compressed, ``application/gzip`` or ``zip``.
The helpers return what the Java call returns and assert the status the Java call requires.
"""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

JAVA_DEFAULT_ACCEPT = "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2"
"""What ``HttpURLConnection`` (JDK 8 and 11, under Jersey's default connector) sends when no Accept is set."""
JSON = "application/json"

Query = dict[str, Any] | None


def get(client: FlaskClient, path: str, query: Query = None, *, accept: str = JAVA_DEFAULT_ACCEPT) -> TestResponse:
    return client.get(path, query_string=query, headers={"Accept": accept})


def get_text(client: FlaskClient, path: str, query: Query = None) -> str:
    """``target(path).request().get(String.class)``: the body; the call fails on a non-2xx status."""
    response = get(client, path, query)
    assert response.status_code == 200, (response.status_code, response.text)
    return response.text


def get_json(client: FlaskClient, path: str, query: Query = None) -> Any:
    """``.accept(MediaType.APPLICATION_JSON_TYPE).get(...)``: the parsed JSON body of a 200 answer."""
    response = get(client, path, query, accept=JSON)
    assert (response.status_code, response.mimetype) == (200, JSON), (response.status_code, response.text)
    return response.get_json()


def get_status(client: FlaskClient, path: str, query: Query = None, *, accept: str = JAVA_DEFAULT_ACCEPT) -> int:
    """For ``@Test(expected = NotFoundException.class)`` and the like: the status that made the call throw."""
    return get(client, path, query, accept=accept).status_code


def post_text(client: FlaskClient, path: str, body: str | bytes, content_type: str = "text/plain") -> TestResponse:
    """``post(Entity.text(body))`` or ``Entity.entity(body, type)``; no Accept, so Java's default."""
    return client.post(path, data=body, headers={"Content-Type": content_type, "Accept": JAVA_DEFAULT_ACCEPT})


def compress(data: str, encoding: str) -> bytes:
    """``AbstractServingTest.compress`` with ``GZIPOutputStream``, ``DeflaterOutputStream`` or ``ZipOutputStream``
    (one entry named ``data``)."""
    raw = data.encode()
    if encoding == "gzip":
        return gzip.compress(raw)
    if encoding == "deflate":
        return zlib.compress(raw)
    if encoding == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("data", raw)
        return buffer.getvalue()
    raise ValueError(f"no compressing stream for {encoding!r}")


def post_encoded(client: FlaskClient, path: str, data: str, encoding: str) -> TestResponse:
    """``post(Entity.entity(compressed, Variant(text/plain, encoding)))``: a ``Content-Encoding`` body."""
    return client.post(
        path,
        data=compress(data, encoding),
        headers={"Content-Type": "text/plain", "Content-Encoding": encoding, "Accept": JAVA_DEFAULT_ACCEPT},
    )


def form_post(client: FlaskClient, path: str, data: str, encoding: str | None = None) -> TestResponse:
    """``getFormPostResponse(data, path, compressingClass, encoding)``: one multipart part named ``data``."""
    payload = data.encode() if encoding is None else compress(data, encoding)
    part_type = "text/plain" if encoding is None else f"application/{encoding}"
    return client.post(
        path,
        data={"data": (io.BytesIO(payload), "data", part_type)},
        content_type="multipart/form-data",
        headers={"Accept": JAVA_DEFAULT_ACCEPT},
    )
