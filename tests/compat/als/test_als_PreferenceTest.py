"""Oryx 2's ``PreferenceTest``: ``POST`` / ``DELETE /pref/{user}/{item}`` write one keyed input line."""

from __future__ import annotations

from compat.conftest import Oryx2Server
from compat.jersey import post_text
from werkzeug.test import TestResponse

PREFERENCE_DATA = "2.5\n"


def check_response(server: Oryx2Server, response: TestResponse, user: str, item: str, value: str) -> None:
    assert response.status_code == 204, response.text
    fields = server.input_fields()
    assert len(fields) == 1
    assert fields[0][:3] == [user, item, value]
    int(fields[0][3])  # a timestamp, as Long.parseLong checks


def testPostJson(als: Oryx2Server) -> None:
    response = post_text(als.client, "/pref/U1/I1", PREFERENCE_DATA, "application/json")
    check_response(als, response, "U1", "I1", "2.5")


def testPostWithEmptyItemValue(als: Oryx2Server) -> None:
    check_response(als, post_text(als.client, "/pref/U2/I2", ""), "U2", "I2", "1")


def testPostWithBadItemValue(als: Oryx2Server) -> None:
    assert post_text(als.client, "/pref/U2/I2", "aBc!").status_code == 400


def testPostCSV(als: Oryx2Server) -> None:
    check_response(als, post_text(als.client, "/pref/U1/I1", PREFERENCE_DATA, "text/csv"), "U1", "I1", "2.5")


def testDelete(als: Oryx2Server) -> None:
    check_response(als, als.client.delete("/pref/U1/I2"), "U1", "I2", "")
