"""Oryx 2's ``CompressedResponseTest``: ``/item/allIDs`` gzip- or deflate-compressed on request.

The body read through Java's ``GZIPInputStream`` / ``InflaterInputStream`` (here gzip and zlib) equals the
uncompressed answer.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable

from compat.conftest import Oryx2Server
from compat.jersey import JAVA_DEFAULT_ACCEPT, get_text


def check_compressed_response(server: Oryx2Server, encoding: str, decompress: Callable[[bytes], bytes]) -> None:
    response = server.client.get("/item/allIDs", headers={"Accept": JAVA_DEFAULT_ACCEPT, "Accept-Encoding": encoding})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == encoding
    content = decompress(response.get_data()).decode("utf-8")
    assert content == get_text(server.client, "/item/allIDs")


def testGzipResponse(als: Oryx2Server) -> None:
    check_compressed_response(als, "gzip", gzip.decompress)


def testDeflateResponse(als: Oryx2Server) -> None:
    check_compressed_response(als, "deflate", zlib.decompress)
