"""Digest authentication through real gunicorn, request by request: a login, a replay, the next count, staleness.

The unit tests drive the authenticator through Flask's test client; these send the exact headers a client or an
attacker would over HTTP to one gunicorn worker, so what the worker remembers between requests is what counts.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests

from oryx_serving.lambda_.auth import REALM, DigestAuthenticator
from oryx_serving.lambda_.settings import Credentials

USER, PASSWORD = "oryx-admin", "correct horse"
AUTH = [f"oryx.serving.api.user-name={USER}", f'oryx.serving.api.password="{PASSWORD}"']
ServingProcess = Any  # conftest's ServingProcess: base_url, process, output()
PATH = "/ready"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _authorization(nonce: str, opaque: str, nc: str, cnonce: str, password: str = PASSWORD) -> str:
    """RFC 2617's ``qop=auth`` response for ``GET /ready``, computed by hand as a client would."""
    ha1 = _md5(f"{USER}:{REALM}:{password}")
    response = _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{_md5(f'GET:{PATH}')}")
    return (
        f'Digest username="{USER}", realm="{REALM}", nonce="{nonce}", uri="{PATH}", qop=auth, nc={nc}, '
        f'cnonce="{cnonce}", response="{response}", opaque="{opaque}", algorithm=MD5'
    )


def _challenge(server: ServingProcess) -> tuple[str, str]:
    refused = requests.get(server.base_url + PATH, timeout=10)
    assert refused.status_code == 401
    header = refused.headers["WWW-Authenticate"]
    nonce = re.search(r'nonce="([^"]+)"', header)
    opaque = re.search(r'opaque="([^"]+)"', header)
    assert nonce and opaque, header
    return nonce.group(1), opaque.group(1)


def _get(server: ServingProcess, authorization: str) -> requests.Response:
    return requests.get(server.base_url + PATH, headers={"Authorization": authorization}, timeout=10)


@pytest.fixture
def secured_server(start_serving: Callable[..., ServingProcess], serving_overrides: list[str]) -> ServingProcess:
    return start_serving(*serving_overrides, *AUTH)  # one worker (serving_overrides)


def test_a_login_passes_once_its_replay_is_refused_and_the_next_count_passes(secured_server: ServingProcess) -> None:
    nonce, opaque = _challenge(secured_server)
    cnonce = secrets.token_hex(8)
    login = _authorization(nonce, opaque, "00000001", cnonce)
    assert _get(secured_server, login).status_code in (200, 503)  # authenticated; ready or not
    replay = _get(secured_server, login)
    assert replay.status_code == 401, "a captured Authorization header was accepted twice"
    assert 'Digest realm="Oryx"' in replay.headers["WWW-Authenticate"]
    assert _get(secured_server, _authorization(nonce, opaque, "00000002", cnonce)).status_code in (200, 503)
    assert _get(secured_server, _authorization(nonce, opaque, "00000003", cnonce, "wrong")).status_code == 401


def test_an_expired_nonce_is_answered_stale_and_a_forged_one_is_refused(secured_server: ServingProcess) -> None:
    _, opaque = _challenge(secured_server)
    # The server's own nonce format and key (derived from the shared credentials), issued an hour ago.
    an_hour_ago = DigestAuthenticator(Credentials(USER, PASSWORD), clock=lambda: time.time() - 3600).new_nonce()
    stale = _get(secured_server, _authorization(an_hour_ago, opaque, "00000001", secrets.token_hex(8)))
    assert stale.status_code == 401
    assert "stale=true" in stale.headers["WWW-Authenticate"].replace(" ", "").lower()
    forged = an_hour_ago.rsplit(".", 1)[0] + "." + "0" * 32
    refused = _get(secured_server, _authorization(forged, opaque, "00000001", secrets.token_hex(8)))
    assert refused.status_code == 401
    assert "stale=true" not in refused.headers["WWW-Authenticate"].replace(" ", "").lower()
