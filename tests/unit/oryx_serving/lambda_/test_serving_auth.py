"""Digest auth (RFC 7616/2617, MD5, qop=auth) on every path; Basic only over TLS; nonces expire and never replay.

The client side is ``requests``' own ``HTTPDigestAuth``, an independent implementation, so these tests also show
that a common client interoperates with the server.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from requests.auth import HTTPDigestAuth
from werkzeug.http import parse_dict_header

from oryx_core.config import ConfigError, load_config
from oryx_serving.lambda_ import auth
from oryx_serving.lambda_.auth import DigestAuthenticator
from oryx_serving.lambda_.settings import Credentials, ServingSettings

USER, PASSWORD = "oryx", "s3cret pass"
AUTH = [f"oryx.serving.api.user-name={USER}", f'oryx.serving.api.password="{PASSWORD}"']
EXAMPLE = [
    "oryx.serving.model-manager-class=com.cloudera.oryx.example.serving.ExampleServingModelManager",
    "oryx.serving.application-resources=com.cloudera.oryx.example.serving",
]


@pytest.fixture
def secured(make_app: Callable[..., Flask]) -> Flask:
    return make_app(*EXAMPLE, *AUTH)


def challenge_of(client: FlaskClient, path: str = "/ready") -> dict[str, Any]:
    response = client.get(path)
    assert response.status_code == 401
    digest = next(h for h in response.headers.getlist("WWW-Authenticate") if h.startswith("Digest "))
    return dict(parse_dict_header(digest[len("Digest ") :]))


def digest_header(
    challenge: dict[str, Any], method: str, path: str, *, user: str = USER, password: str = PASSWORD
) -> str:
    client = HTTPDigestAuth(user, password)
    client.init_per_thread_state()
    client._thread_local.chal = challenge
    header = client.build_digest_header(method, f"http://localhost{path}")
    assert header is not None
    return header


def get_with_digest(client: FlaskClient, path: str, **kwargs: Any) -> int:
    header = digest_header(challenge_of(client, path), "GET", path, **kwargs)
    return client.get(path, headers={"Authorization": header}).status_code


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.mark.parametrize(
    "path",
    ["/ready", "/", "/index.html", "/console/static/console.js", "/metrics", "/openapi.json", "/distinct/a", "/nope"],
)
def test_every_path_answers_401_without_credentials(secured: Flask, path: str) -> None:
    response = secured.test_client().get(path)
    assert (response.status_code, response.text) == (401, "Unauthorized")


def test_a_write_endpoint_answers_401_before_reading_the_body(secured: Flask) -> None:
    response = secured.test_client().post("/add/a%20b")
    assert response.status_code == 401
    assert secured.extensions["oryx"].input_lines_sent == 0


def test_the_challenge_is_oryx2s_digest_realm_with_qop_auth(secured: Flask) -> None:
    challenge = challenge_of(secured.test_client())
    assert {k: challenge[k] for k in ("realm", "qop", "algorithm")} == {
        "realm": "Oryx",
        "qop": "auth",
        "algorithm": "MD5",
    }
    assert challenge["nonce"] and challenge["opaque"] and "stale" not in challenge


def test_no_basic_challenge_over_plain_http(secured: Flask) -> None:
    headers = secured.test_client().get("/ready").headers.getlist("WWW-Authenticate")
    assert [h.split(" ")[0] for h in headers] == ["Digest"]


def test_correct_digest_credentials_pass(secured: Flask) -> None:
    assert get_with_digest(secured.test_client(), "/ready") == 503  # authenticated; no model yet


def test_digest_works_for_a_path_with_escapes_and_a_query(secured: Flask) -> None:
    assert get_with_digest(secured.test_client(), "/distinct/a%20b?x=1&y=%C3%A9") == 503


def test_a_wrong_password_is_401(secured: Flask) -> None:
    assert get_with_digest(secured.test_client(), "/ready", password="wrong") == 401


def test_a_wrong_user_is_401(secured: Flask) -> None:
    assert get_with_digest(secured.test_client(), "/ready", user="mallory") == 401


def test_a_replayed_authorization_is_401(secured: Flask) -> None:
    client = secured.test_client()
    header = digest_header(challenge_of(client), "GET", "/ready")
    assert client.get("/ready", headers={"Authorization": header}).status_code == 503
    assert client.get("/ready", headers={"Authorization": header}).status_code == 401


def test_the_next_nonce_count_on_the_same_nonce_passes(secured: Flask) -> None:
    client = secured.test_client()
    challenge = challenge_of(client)
    requests_client = HTTPDigestAuth(USER, PASSWORD)
    requests_client.init_per_thread_state()
    requests_client._thread_local.chal = challenge
    for _ in range(3):  # requests increments nc on each header built from the same nonce
        header = requests_client.build_digest_header("GET", "http://localhost/ready")
        assert client.get("/ready", headers={"Authorization": header}).status_code == 503


def test_a_digest_for_another_uri_is_401(secured: Flask) -> None:
    client = secured.test_client()
    header = digest_header(challenge_of(client), "GET", "/metrics")
    assert client.get("/ready", headers={"Authorization": header}).status_code == 401


def test_a_digest_for_another_method_is_401(secured: Flask) -> None:
    client = secured.test_client()
    header = digest_header(challenge_of(client), "POST", "/ready")
    assert client.get("/ready", headers={"Authorization": header}).status_code == 401


def test_a_nonce_the_server_did_not_issue_is_401(secured: Flask) -> None:
    client = secured.test_client()
    challenge = {**challenge_of(client), "nonce": "6b000000.0011223344556677.00000000000000000000000000000000"}
    header = digest_header(challenge, "GET", "/ready")
    response = client.get("/ready", headers={"Authorization": header})
    assert response.status_code == 401 and "stale=true" not in response.headers["WWW-Authenticate"]


def test_digest_without_qop_rfc2069_style_is_401(secured: Flask) -> None:
    client = secured.test_client()
    challenge = {k: v for k, v in challenge_of(client).items() if k != "qop"}
    header = digest_header(challenge, "GET", "/ready")
    assert "qop" not in header
    assert client.get("/ready", headers={"Authorization": header}).status_code == 401


def test_an_expired_nonce_gets_a_stale_challenge() -> None:
    now = [1_000_000.0]
    authenticator = DigestAuthenticator(Credentials(USER, PASSWORD), clock=lambda: now[0])
    nonce = authenticator.new_nonce()
    now[0] += auth.NONCE_LIFETIME_SECONDS + 1
    client = HTTPDigestAuth(USER, PASSWORD)
    client.init_per_thread_state()
    client._thread_local.chal = {"realm": "Oryx", "nonce": nonce, "qop": "auth", "algorithm": "MD5"}
    params = dict(parse_dict_header(client.build_digest_header("GET", "http://h/ready")[len("Digest ") :]))
    assert authenticator.check_digest(params, "GET", {"/ready"}) == "stale"
    assert "stale=true" in authenticator.challenge(stale=True)


def test_replay_memory_forgets_expired_nonces() -> None:
    now = [1_000_000.0]
    authenticator = DigestAuthenticator(Credentials(USER, PASSWORD), clock=lambda: now[0])
    for _ in range(5):
        nonce = authenticator.new_nonce()
        assert authenticator._first_use(nonce, "00000001", "c")
    now[0] += auth.NONCE_LIFETIME_SECONDS + 1
    assert authenticator._first_use(authenticator.new_nonce(), "00000001", "c")
    assert len(authenticator._seen) == 1


def test_basic_is_refused_over_plain_http(secured: Flask) -> None:
    assert secured.test_client().get("/ready", headers=basic(USER, PASSWORD)).status_code == 401


def test_basic_is_accepted_over_tls(secured: Flask) -> None:
    response = secured.test_client().get("/ready", headers=basic(USER, PASSWORD), base_url="https://localhost")
    assert response.status_code == 503


def test_basic_with_a_wrong_password_is_401_over_tls(secured: Flask) -> None:
    response = secured.test_client().get("/ready", headers=basic(USER, "nope"), base_url="https://localhost")
    assert response.status_code == 401


def test_over_tls_both_schemes_are_offered(secured: Flask) -> None:
    response = secured.test_client().get("/ready", base_url="https://localhost")
    schemes = [h.split(" ")[0] for h in response.headers.getlist("WWW-Authenticate")]
    assert schemes == ["Digest", "Basic"]


def test_garbage_authorization_headers_are_401_not_500(secured: Flask) -> None:
    client = secured.test_client()
    for header in ["Digest", "Digest ,,,", 'Digest nonce="x', "Basic !!!", "Bearer abc", "Digest nc=zz", "\u00e9"]:
        assert client.get("/ready", headers={"Authorization": header}).status_code == 401, header


def test_without_credentials_configured_nothing_is_protected(make_app: Callable[..., Flask]) -> None:
    assert make_app(*EXAMPLE).test_client().get("/ready").status_code == 503


def test_a_user_name_without_a_password_fails_naming_the_missing_key() -> None:
    with pytest.raises(ConfigError) as raised:
        ServingSettings.from_config(load_config(None, ["oryx.serving.api.user-name=u"]))
    assert raised.value.key == "oryx.serving.api.password"


def test_credentials_never_show_the_password() -> None:
    assert PASSWORD not in repr(Credentials(USER, PASSWORD))


def test_a_non_ascii_nonce_is_denied_not_an_error() -> None:
    authenticator = DigestAuthenticator(Credentials(USER, PASSWORD))
    assert authenticator._nonce_state("1.a.\u00e9") == "forged"
