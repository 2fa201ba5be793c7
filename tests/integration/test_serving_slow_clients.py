"""Clients that trickle a request body, against the real gunicorn worker: a 408, never a stuck worker.

gunicorn's threaded worker reads bodies on its ``api.threads`` threads with no timeout; before
``oryx.serving.api.read-timeout-sec`` as many trickling clients as threads left the worker answering no one.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

ServingProcess = Any  # conftest's ServingProcess: base_url, process, output()
THREADS = 2
READ_TIMEOUT = 2.0
HEAD = b"POST /add HTTP/1.1\r\nHost: oryx\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\nab"


class Trickler:
    """A client that sends a request's head and then one body byte every 0.2 s, until refused or stopped."""

    def __init__(self, host: str, port: int, tls: ssl.SSLContext | None = None) -> None:
        plain = socket.create_connection((host, port), timeout=30)
        self.sock = tls.wrap_socket(plain, server_hostname=host) if tls is not None else plain
        self.sock.sendall(HEAD)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self) -> None:
        while not self.stop.wait(0.2):
            try:
                self.sock.sendall(b"x")
            except OSError:
                return

    def answer(self) -> bytes:
        """What the server sent back before closing (empty if it sent nothing within the socket's timeout)."""
        received = b""
        try:
            while chunk := self.sock.recv(4096):
                received += chunk
        except (TimeoutError, ConnectionResetError, ssl.SSLError):
            pass
        return received

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def test_trickled_bodies_get_408_and_the_worker_keeps_answering(
    start_serving: Callable[..., ServingProcess], serving_overrides: list[str]
) -> None:
    server = start_serving(
        *serving_overrides, f"oryx.serving.api.threads={THREADS}", f"oryx.serving.api.read-timeout-sec={READ_TIMEOUT}"
    )
    address = urlsplit(server.base_url)
    assert address.hostname is not None and address.port is not None
    started = time.monotonic()
    clients = [Trickler(address.hostname, address.port) for _ in range(THREADS)]
    try:
        time.sleep(0.5)  # every worker thread is now reading a trickled body
        ready = requests.get(f"{server.base_url}/ready", timeout=20)
        assert ready.status_code in (200, 503)
        answers = [client.answer() for client in clients]
        elapsed = time.monotonic() - started
    finally:
        for client in clients:
            client.close()
    for answer in answers:
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert b"read-timeout-sec" in answer
    # Each was refused at its deadline, not when its 100,000 bytes would have arrived (over five hours).
    assert elapsed < READ_TIMEOUT + 15


def test_a_trickled_body_over_tls_is_cut_off_at_its_deadline(
    start_serving: Callable[..., ServingProcess], serving_overrides: list[str], self_signed_cert: tuple[Path, Path]
) -> None:
    """Under TLS the deadline frees the thread too; the client sees its connection end. (OpenSSL refuses to
    write on a connection whose read side ended without TLS's close, so no 408 can follow there.)"""
    cert, key = self_signed_cert
    tls = [f"oryx.serving.api.cert-file={cert}", f"oryx.serving.api.key-file={key}"]
    overrides = [f"oryx.serving.api.threads={THREADS}", f"oryx.serving.api.read-timeout-sec={READ_TIMEOUT}"]
    server = start_serving(*serving_overrides, *tls, *overrides, tls=True)
    address = urlsplit(server.base_url)
    assert address.hostname is not None and address.port is not None
    context = ssl.create_default_context(cafile=str(cert))
    started = time.monotonic()
    clients = [Trickler(address.hostname, address.port, context) for _ in range(THREADS)]
    try:
        answers = [client.answer() for client in clients]
        elapsed = time.monotonic() - started
        ready = requests.get(f"{server.base_url}/ready", timeout=20, verify=str(cert))
    finally:
        for client in clients:
            client.close()
    assert all(answer == b"" or answer.startswith(b"HTTP/1.1 408") for answer in answers), answers
    assert elapsed < READ_TIMEOUT + 15
    assert ready.status_code in (200, 503)
