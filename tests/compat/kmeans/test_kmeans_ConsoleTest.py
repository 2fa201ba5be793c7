"""Oryx 2's k-means ``ConsoleTest``: ``/index.html`` is Oryx 2's console page, with its headers and texts."""

from __future__ import annotations

from compat.conftest import Oryx2Server


def testConsole(kmeans: Oryx2Server) -> None:
    response = kmeans.client.get("/index.html", headers={"Accept": "text/html"})
    assert response.headers["Cache-Control"] == "public"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    html = response.text
    for substring in ("DOCTYPE", "Oryx Serving Layer", "K-means", "/assign", "<form"):
        assert substring in html, f"Doesn't contain {substring}"
