"""Oryx 2's k-means ``AddTest``: ``POST /add`` (plain and multipart) and ``POST /add/{datum}`` write each line."""

from __future__ import annotations

from compat.conftest import Oryx2Server
from compat.jersey import form_post, post_text
from werkzeug.test import TestResponse

ADD_DATA = "1.0,0.0,20.0\n1.0,-4.0,30.0\n0.0,0.0,40.0\n0.0,-4.0,50.0"
EXPECTED_TOPIC = [["1.0", "0.0", "20.0"], ["1.0", "-4.0", "30.0"], ["0.0", "0.0", "40.0"], ["0.0", "-4.0", "50.0"]]


def check_response(server: Oryx2Server, response: TestResponse) -> None:
    assert response.status_code == 204, response.text
    assert server.input_fields() == EXPECTED_TOPIC


def testSimpleAdd(kmeans: Oryx2Server) -> None:
    check_response(kmeans, post_text(kmeans.client, "/add", ADD_DATA))


def testFormAdd(kmeans: Oryx2Server) -> None:
    check_response(kmeans, form_post(kmeans.client, "/add", ADD_DATA))


def testURIAdd(kmeans: Oryx2Server) -> None:
    response = post_text(kmeans.client, "/add/" + ADD_DATA.split("\n")[0], "")
    assert response.status_code == 204
    assert kmeans.input_fields() == EXPECTED_TOPIC[:1]
