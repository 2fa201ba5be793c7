"""The HTTP client side every ``oryx demo`` shares: the demos talk to the serving layer only as a user's client.

Kept apart from ``demo.py`` (which dispatches to the app demos) so the app demos can use it without importing
their own dispatcher.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

TIMEOUT_SEC = 120


def http_request(
    url: str, *, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None
) -> Any:
    """An open response (a context manager); HTTP errors raise ``urllib.error.HTTPError``."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    return urllib.request.urlopen(request, timeout=TIMEOUT_SEC)


def post_lines(base_url: str, endpoint: str, lines: list[str]) -> None:
    """One ``POST`` of text lines (``/add``, ``/train``, ``/pref``...); anything but 204 is an error."""
    body = "\n".join(lines).encode()
    with http_request(base_url + endpoint, method="POST", body=body, headers={"Content-Type": "text/plain"}) as answer:
        if answer.status != 204:
            raise RuntimeError(f"POST {endpoint} answered {answer.status}")


def get_text(url: str) -> str:
    with http_request(url) as response:
        return str(response.read().decode())


def get_json(url: str) -> Any:
    with http_request(url, headers={"Accept": "application/json"}) as response:
        return json.loads(response.read().decode())


def get_status(url: str) -> int:
    try:
        with http_request(url) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def datum_path(endpoint: str, datum: str) -> str:
    """``/endpoint/<datum>`` with the datum quoted for a URL path (commas kept readable)."""
    return f"{endpoint}/{urllib.parse.quote(datum, safe=',')}"


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(1.0)
