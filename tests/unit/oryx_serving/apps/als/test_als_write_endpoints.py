"""The ALS write endpoints (``/pref``, ``/ingest``): what each request puts on the input topic, and what it refuses.

Writes do not read the model, so these run once, with the plain (scanning) ALS app of ``test_als_endpoints``.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support.memory_topics import InMemoryBroker

from oryx_core.input.lines import parse_line


def input_lines(broker: InMemoryBroker) -> list[str]:
    return [record.message for record in broker.messages("OryxInput")]


def test_pref_post_writes_the_strength_as_java_float_text_and_now(client: FlaskClient, broker: InMemoryBroker) -> None:
    assert client.post("/pref/u1/i2", data="2", content_type="text/plain").status_code == 204
    assert client.post("/pref/u1/i3", data="2.5\nignored", content_type="text/csv").status_code == 204
    (user, item, strength, ts), second = (parse_line(line) for line in input_lines(broker))
    assert (user, item, strength) == ("u1", "i2", "2.0")
    assert second[:3] == ["u1", "i3", "2.5"]
    assert abs(int(ts) - __import__("time").time() * 1000) < 60_000


@pytest.mark.parametrize("body", [b"", b" ", b"\n5"])
def test_pref_post_without_a_strength_on_the_first_line_writes_1(
    client: FlaskClient, broker: InMemoryBroker, body: bytes
) -> None:
    """Oryx 2's ``PreferenceTest.testPostWithEmptyItemValue``: an empty (or blank) first line is strength 1."""
    assert client.post("/pref/u2/i2", data=body, content_type="text/plain").status_code == 204
    assert parse_line(input_lines(broker)[0])[:3] == ["u2", "i2", "1"]


def test_pref_post_as_curl_sends_it_is_read_as_the_raw_text(client: FlaskClient, broker: InMemoryBroker) -> None:
    """``curl --data 5`` sends ``Content-Type: application/x-www-form-urlencoded`` and the body ``5``."""
    response = client.post("/pref/alice/1196", data=b"5", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 204
    assert parse_line(input_lines(broker)[0])[:3] == ["alice", "1196", "5.0"]


def test_pref_post_in_read_only_mode_is_403_before_the_body_is_read(make_als_app: Callable[..., Flask]) -> None:
    """Oryx 2's ``ReadOnlyTest.testNoPreference`` posts the bad strength ``aBc!`` and expects 403, not 400."""
    client = make_als_app("oryx.serving.api.read-only=true").test_client()
    response = client.post("/pref/U2/I2", data="aBc!", content_type="text/plain")
    assert (response.status_code, response.text) == (403, "Serving Layer is read-only")
    bomb = gzip.compress(b"\0" * 10_000_000)
    response = client.post("/ingest", data=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "text/plain"})
    assert response.status_code == 403


@pytest.mark.parametrize("strength", ["NaN", "x", "aBc!", "Infinity", "1e39", "1_0"])
def test_pref_post_with_a_bad_strength_is_400(client: FlaskClient, broker: InMemoryBroker, strength: str) -> None:
    response = client.post("/pref/u1/i2", data=strength, content_type="text/plain")
    assert response.status_code == 400 and repr(strength) in response.text
    assert input_lines(broker) == []


def test_pref_delete_writes_an_empty_strength(client: FlaskClient, broker: InMemoryBroker) -> None:
    assert client.delete("/pref/u1/i2").status_code == 204
    assert parse_line(input_lines(broker)[0])[:3] == ["u1", "i2", ""]


def test_ingest_normalises_every_line_to_four_fields(client: FlaskClient, broker: InMemoryBroker) -> None:
    body = 'u1,i1\nu2,i2,3\nu3,i3,,1700000000000\n["u4","i4","2.5","1600000000000"]\nu5,i5, \n'
    assert client.post("/ingest", data=body, content_type="text/csv").status_code == 204
    lines = [parse_line(line) for line in input_lines(broker)]
    assert [fields[:3] for fields in lines[:2]] == [["u1", "i1", "1"], ["u2", "i2", "3.0"]]
    assert lines[0][3] == lines[1][3] and int(lines[0][3]) > 0
    assert input_lines(broker)[2:4] == ["u3,i3,,1700000000000", "u4,i4,2.5,1600000000000"]
    assert lines[4][:3] == ["u5", "i5", "1"]  # a blank strength is Oryx 2's default, not a delete


def test_ingest_writes_the_strengths_oryx_2_ingest_test_expects(client: FlaskClient, broker: InMemoryBroker) -> None:
    """Oryx 2's ``IngestTest``: given strengths become Java float text, a missing one ``1``, an empty one a delete."""
    body = "a,B,1\nc,B\nc,D,5.5\nc,D,\na,C,2,123456789"
    assert client.post("/ingest", data=body, content_type="text/plain").status_code == 204
    assert [parse_line(line)[:3] for line in input_lines(broker)] == [
        ["a", "B", "1.0"],
        ["c", "B", "1"],
        ["c", "D", "5.5"],
        ["c", "D", ""],
        ["a", "C", "2.0"],
    ]
    assert input_lines(broker)[4] == "a,C,2.0,123456789"


def test_ingest_accepts_a_gzip_body(client: FlaskClient, broker: InMemoryBroker) -> None:
    data = gzip.compress(b"u1,i1,1,5\n")
    response = client.post("/ingest", data=data, headers={"Content-Encoding": "gzip", "Content-Type": "text/plain"})
    assert response.status_code == 204
    assert input_lines(broker) == ["u1,i1,1.0,5"]


def test_ingest_keeps_the_first_four_fields_of_a_longer_line(client: FlaskClient, broker: InMemoryBroker) -> None:
    """Oryx 2's ``Ingest`` reads tokens 0-3 of a line and writes those four; extra fields are not an error."""
    body = "a,b,1,2,3\nc,d,,5,extra,more\n"
    assert client.post("/ingest", data=body, content_type="text/plain").status_code == 204
    assert input_lines(broker) == ["a,b,1.0,2", "c,d,,5"]


@pytest.mark.parametrize("line", ["u1", "u1,i1,abc", "u1,i1,1,x", "u1,i1,1,0", "u1,i1,1,-5", "u1,i1,inf", ",i1,1"])
def test_ingest_rejects_a_bad_line_and_sends_nothing(client: FlaskClient, broker: InMemoryBroker, line: str) -> None:
    response = client.post("/ingest", data=f"u0,i0\n{line}\n", content_type="text/plain")
    assert response.status_code == 400
    assert input_lines(broker) == []


def test_writes_are_403_when_read_only(make_als_app: Callable[..., Flask]) -> None:
    client = make_als_app("oryx.serving.api.read-only=true").test_client()
    assert client.post("/ingest", data="u1,i1", content_type="text/plain").status_code == 403
    assert client.delete("/pref/u1/i1").status_code == 403
