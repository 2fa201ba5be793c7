"""Oryx 2's ``CSVMessageBodyWriterTest``: what is written as CSV, and how.

``isWriteable``: CSV answers go out as ``text/plain`` or ``text/csv``, never as ``text/html`` (406 when that is
all the client takes). ``getSize`` is -1 in Jersey (the container measures the body); here the answer carries
the body's exact ``Content-Length``. ``writeTo``: one ``HasCSV`` is its line and a line break; a list is one
line each (our ``IDValue``/``IDCount`` are the ``HasCSV`` objects).
"""

from __future__ import annotations

from compat.conftest import Oryx2Server
from compat.jersey import get

from oryx_serving.lambda_.formats import IDCount, IDValue, to_csv


def testIsWriteable(als: Oryx2Server) -> None:
    for accept in ("text/plain", "text/csv"):
        response = get(als.client, "/item/allIDs", accept=accept)
        assert (response.status_code, response.mimetype) == (200, accept)
    assert get(als.client, "/item/allIDs", accept="text/html").status_code == 406


def testGetSize(als: Oryx2Server) -> None:
    response = get(als.client, "/mostPopularItems")
    assert response.headers["Content-Length"] == str(len(response.get_data()))


def testWrite() -> None:
    assert to_csv(IDCount("foo", 1)) == "foo,1\n"
    assert to_csv([IDValue("foo", 1.0), IDValue("bar", 2.0)]) == "foo,1.0\nbar,2.0\n"
