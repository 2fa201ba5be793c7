"""Oryx 2's RDF ``ConsoleTest``: ``/index.html`` is Oryx 2's console page, with its headers and texts."""

from __future__ import annotations

from compat.conftest import Oryx2Server


def testConsole(rdf: Oryx2Server) -> None:
    response = rdf.client.get("/index.html", headers={"Accept": "text/html"})
    assert response.headers["Cache-Control"] == "public"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    html = response.text
    for substring in ("DOCTYPE", "Oryx Serving Layer", "Random Decision Forests", "/predict", "<form"):
        assert substring in html, f"Doesn't contain {substring}"
