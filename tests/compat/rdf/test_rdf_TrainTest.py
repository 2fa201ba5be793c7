"""Oryx 2's ``TrainTest``: ``POST /train`` (plain and multipart) and ``POST /train/{datum}`` write each line."""

from __future__ import annotations

from compat.conftest import Oryx2Server
from compat.jersey import form_post, post_text
from werkzeug.test import TestResponse

TRAIN_DATA = "B,0,20\nB,-4,30\nA,0,40\nA,-4,50"
EXPECTED_TOPIC = [["B", "0", "20"], ["B", "-4", "30"], ["A", "0", "40"], ["A", "-4", "50"]]


def check_response(server: Oryx2Server, response: TestResponse) -> None:
    assert response.status_code == 204, response.text
    assert server.input_fields() == EXPECTED_TOPIC


def testSimpleTrain(rdf: Oryx2Server) -> None:
    check_response(rdf, post_text(rdf.client, "/train", TRAIN_DATA))


def testFormTrain(rdf: Oryx2Server) -> None:
    check_response(rdf, form_post(rdf.client, "/train", TRAIN_DATA))


def testURITrain(rdf: Oryx2Server) -> None:
    assert post_text(rdf.client, "/train/" + TRAIN_DATA.split("\n")[0], "").status_code == 204
    assert rdf.input_fields() == EXPECTED_TOPIC[:1]
