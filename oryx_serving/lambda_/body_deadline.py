"""A deadline for reading a request body, so a client that trickles its body cannot hold a worker thread.

gunicorn's threaded worker reads a request on one of ``api.threads`` threads with a blocking socket and no
timeout: a client sending a byte now and then kept that thread forever, and ``threads`` such clients stopped the
worker answering anyone. A socket timeout alone does not help: one read of a chunk is many receives, each of
which a trickle satisfies in time. So every body read in serving goes through :func:`timed_reads`, which arms a
timer for ``oryx.serving.api.read-timeout-sec``; when it fires before the body is complete it shuts the read
side of the socket (gunicorn passes it as ``gunicorn.socket``), the blocked receive returns at once, and the
request is answered 408 with ``Connection: close`` (the write side still works). Under TLS the thread is freed
the same way, but the client only sees its connection end: OpenSSL will not write on a connection whose read
side ended without TLS's close. Under a server that exposes no socket (Flask's test client) reads are not
timed. Headers trickled before the body are gunicorn's to bound.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

from flask import current_app, request
from werkzeug.exceptions import ClientDisconnected

from oryx_core.api.serving import OryxServingError
from oryx_serving.lambda_.settings import READ_TIMEOUT_KEY

READ_TIMEOUT_CONFIG = "ORYX_READ_TIMEOUT_SEC"
"""Flask config key ``create_app`` fills from ``oryx.serving.api.read-timeout-sec``."""


class _Watchdog:
    """Shuts the socket's read side once ``seconds`` pass, unless the body was read (or abandoned) first."""

    def __init__(self, sock: socket.socket, seconds: float) -> None:
        self._sock = sock
        self._lock = threading.Lock()
        self._done = False
        self.fired = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            # The plain socket's shutdown: a TLS socket's own would drop its TLS state while gunicorn holds it.
            with contextlib.suppress(OSError):  # the client may have gone already
                socket.socket.shutdown(self._sock, socket.SHUT_RD)

    def finish(self) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()


def timed_reads(read: Callable[[], bytes]) -> Iterator[bytes]:
    """The chunks ``read()`` returns until an empty one, all within ``read-timeout-sec`` of the first."""
    seconds = current_app.config.get(READ_TIMEOUT_CONFIG)
    sock: Any = request.environ.get("gunicorn.socket")
    if seconds is None or not isinstance(sock, socket.socket):
        while chunk := read():
            yield chunk
        return
    watchdog = _Watchdog(sock, float(seconds))
    try:
        while True:
            try:
                chunk = read()
            except (OSError, ClientDisconnected) as error:
                if watchdog.fired:
                    raise _timed_out(float(seconds)) from error
                raise
            if watchdog.fired:  # the shut read side looks like a body that ended early
                raise _timed_out(float(seconds))
            if not chunk:
                return
            yield chunk
    finally:
        watchdog.finish()


def _timed_out(seconds: float) -> OryxServingError:
    return OryxServingError(
        408, f"Request body not received within {seconds:g} s ({READ_TIMEOUT_KEY})", {"Connection": "close"}
    )
