"""Oryx 2's ``IngestTest``: ``POST /ingest`` plain, gzip, deflate and as multipart (plain, gzip, zip).

Each line reaches the input topic as ``user,item,strength,timestamp`` with a key, the strength as Oryx 2 wrote
it: ``1`` -> ``1.0``, missing -> ``1``, empty -> empty (a delete). Upstream's ``checkResponse`` loops over the
messages it finds, so its ``testZippedFormIngest`` also passed when Oryx 2 sent nothing (it never read the zip
entry, README "Differences from Oryx 2"); here every test also requires all five lines, in order.
"""

from __future__ import annotations

from compat.conftest import Oryx2Server
from compat.jersey import form_post, post_encoded, post_text
from werkzeug.test import TestResponse

INGEST_DATA = "a,B,1\nc,B\nc,D,5.5\nc,D,\na,C,2,123456789"
EXPECTED_TOPIC = [["a", "B", "1.0"], ["c", "B", "1"], ["c", "D", "5.5"], ["c", "D", ""], ["a", "C", "2.0"]]


def check_response(server: Oryx2Server, response: TestResponse) -> None:
    assert response.status_code == 204, response.text
    fields = server.input_fields()
    assert [tokens[:3] for tokens in fields] == EXPECTED_TOPIC
    assert all(len(tokens) == 4 and int(tokens[3]) > 0 for tokens in fields)
    assert fields[4][3] == "123456789"


def testSimpleIngest(als: Oryx2Server) -> None:
    check_response(als, post_text(als.client, "/ingest", INGEST_DATA))


def testGZippedIngest(als: Oryx2Server) -> None:
    check_response(als, post_encoded(als.client, "/ingest", INGEST_DATA, "gzip"))


def testDeflateIngest(als: Oryx2Server) -> None:
    check_response(als, post_encoded(als.client, "/ingest", INGEST_DATA, "deflate"))


def testFormIngest(als: Oryx2Server) -> None:
    check_response(als, form_post(als.client, "/ingest", INGEST_DATA))


def testGzippedFormIngest(als: Oryx2Server) -> None:
    check_response(als, form_post(als.client, "/ingest", INGEST_DATA, "gzip"))


def testZippedFormIngest(als: Oryx2Server) -> None:
    check_response(als, form_post(als.client, "/ingest", INGEST_DATA, "zip"))
