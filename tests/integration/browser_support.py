"""Shared by the browser tests (web consoles, Dagster's asset page): a real headless Chromium driven over its
DevTools protocol (CDP).

Chromium is driven with ``websocket-client``; a test module that imports this is skipped, saying why, when
Chromium or websocket-client is missing.
"""

from __future__ import annotations

import base64
import contextlib
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from support.waiting import wait_for

websocket = pytest.importorskip(
    "websocket", reason="websocket-client is needed to drive Chromium over CDP (add it to the test extras)"
)
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
requires_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium binary (apt-get install -y chromium)")


class DevTools:
    """A minimal CDP client for one page: commands by id, events skipped."""

    def __init__(self, ws_url: str) -> None:
        self._ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self._next_id = 0

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        self._ws.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv())
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise AssertionError(f"{method} failed: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    def click(self, selector: str) -> None:
        """A real mouse click at the element's centre, as a user's, not a scripted ``element.click()``."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()"
        )
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=box["x"], y=box["y"], button="left", clickCount=1)

    def type_into(self, selector: str, text: str) -> None:
        self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.focus(); e.select(); }})()"
        )
        self.send("Input.insertText", text=text)

    def screenshot(self, path: Path, width: int = 1600, height: int = 2000) -> Path:
        """A PNG of the page at ``width`` x ``height`` CSS pixels, written to ``path``."""
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        shot = self.send("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        self._ws.close()


CONSOLE_READY = "document.querySelectorAll('form').length"
"""The web console has loaded once its forms are on the page."""


@contextlib.contextmanager
def chromium_pages(tmp_path: Path) -> Iterator[Callable[..., DevTools]]:
    """``open(url, ready=CONSOLE_READY)``: a headless Chromium page showing ``url``, once the
    JavaScript expression ``ready`` is true (by default: the console's forms are there). This is the
    ``browser`` fixture of tests/integration/conftest.py."""
    assert CHROMIUM is not None
    profile = tmp_path / "chromium-profile"
    process = subprocess.Popen(
        [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--remote-debugging-port=0", "--remote-allow-origins=*",
         f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    pages: list[DevTools] = []

    def open_page(url: str, ready: str = CONSOLE_READY) -> DevTools:
        active = profile / "DevToolsActivePort"
        port = wait_for(lambda: active.exists() and active.read_text().split("\n")[0], 30, "Chromium's DevTools port")
        targets = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        page = DevTools(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"])
        pages.append(page)
        page.send("Page.enable")
        page.send("Page.navigate", url=url)
        wait_for(
            lambda: page.evaluate(f"document.readyState === 'complete' && ({ready})"), 30, f"{url} to show {ready}"
        )
        return page

    try:
        yield open_page
    finally:
        for page in pages:
            page.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def result_of(page: DevTools, form: str) -> str:
    selector = json.dumps(f"{form} .result")
    wait_for(
        lambda: page.evaluate(f"!['', 'pending'].includes(document.querySelector({selector}).dataset.status)"),
        30,
        "the form's answer",
    )
    text: str = page.evaluate(f"document.querySelector({selector}).textContent")
    return text
