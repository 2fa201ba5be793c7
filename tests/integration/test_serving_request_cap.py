"""A body over ``oryx.serving.api.max-request-bytes`` is refused before it is read whole, through real gunicorn.

Each client here sends only the start of its body and then waits: a server that read the whole body before
judging it would never answer (the rest never comes), so a 413 proves the refusal came early.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from oryx_serving.lambda_.bodies import CHUNK_BYTES

ServingProcess = Any  # conftest's ServingProcess: base_url, process, output()
CAP = 4096


def _first_answer(server: ServingProcess, head: bytes, body_start: bytes) -> bytes:
    address = urlsplit(server.base_url)
    assert address.hostname is not None and address.port is not None
    with socket.create_connection((address.hostname, address.port), timeout=20) as sock:
        sock.sendall(head + body_start)
        received = b""
        try:
            while b"\r\n\r\n" not in received and (chunk := sock.recv(4096)):
                received += chunk
        except TimeoutError:
            pass
    return received


@pytest.fixture
def capped_server(start_serving: Callable[..., ServingProcess], serving_overrides: list[str]) -> ServingProcess:
    return start_serving(*serving_overrides, f"oryx.serving.api.max-request-bytes={CAP}")


def test_a_declared_length_over_the_cap_is_refused_before_the_body(capped_server: ServingProcess) -> None:
    head = b"POST /add HTTP/1.1\r\nHost: oryx\r\nContent-Type: text/plain\r\nContent-Length: 10000000\r\n\r\n"
    answer = _first_answer(capped_server, head, b"a b\n" * 100)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]


def test_a_chunked_body_is_refused_once_it_passes_the_cap(capped_server: ServingProcess) -> None:
    """No length announced: the server counts as it reads, one ``CHUNK_BYTES`` read at a time, and stops in the
    read that passes the cap (the terminator never comes)."""
    head = b"POST /add HTTP/1.1\r\nHost: oryx\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
    piece = b"a b\n" * 256  # 1 KiB
    chunks = (b"%x\r\n" % len(piece) + piece + b"\r\n") * ((CAP + CHUNK_BYTES) // len(piece) + 1)
    answer = _first_answer(capped_server, head, chunks)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
