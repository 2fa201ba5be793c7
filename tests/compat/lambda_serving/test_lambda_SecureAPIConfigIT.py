"""Oryx 2's ``SecureAPIConfigIT``: ``/helloWorld`` under gunicorn over HTTPS, and behind Digest authentication.

Oryx 2 reads a JKS keystore (``oryxtest.jks``); ours takes a PEM certificate and key (``api.cert-file``,
``api.key-file``; a keystore is refused with a hint to convert it), here a fresh self-signed pair. Upstream's
``IOException`` for an untrusted certificate is an SSL error here, and for missing credentials a 401.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from compat.lambda_serving.oryx2_test_resources import MANAGER, RESOURCES
from compat.live_serving import gunicorn
from compat.tls import self_signed_pem
from requests.auth import HTTPDigestAuth
from urllib3.exceptions import InsecureRequestWarning

pytestmark = pytest.mark.integration

NO_TOPICS = "oryx.serving.no-init-topics=true"
ANY_READY = (200, 401, 503)  # no model manager runs a model here: a /ready answer only says gunicorn is up


@pytest.fixture(scope="module")
def https_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("https")
    cert, key = self_signed_pem(folder)
    tls = [f'oryx.serving.api.cert-file="{cert}"', f'oryx.serving.api.key-file="{key}"']
    with gunicorn((folder / "serving", [RESOURCES, MANAGER, NO_TOPICS, *tls]), scheme="https", ready=ANY_READY) as (
        url,
    ):
        yield url


@pytest.fixture(scope="module")
def password_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    auth = ["oryx.serving.api.user-name=oryx", "oryx.serving.api.password=pass"]
    folder: Path = tmp_path_factory.mktemp("password")
    with gunicorn((folder, [RESOURCES, MANAGER, NO_TOPICS, *auth]), ready=ANY_READY) as (url,):
        yield url


@pytest.mark.filterwarnings("ignore", category=InsecureRequestWarning)
def testHTTPS(https_url: str) -> None:
    response = requests.get(f"{https_url}/helloWorld", verify=False, timeout=30)
    assert (response.status_code, response.text) == (200, "Hello, World")


def testBadHTTPS(https_url: str) -> None:
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{https_url}/helloWorld", timeout=30)


def testUserPassword(password_url: str) -> None:
    response = requests.get(f"{password_url}/helloWorld", auth=HTTPDigestAuth("oryx", "pass"), timeout=30)
    assert (response.status_code, response.text) == (200, "Hello, World")


def testNoUserPassword(password_url: str) -> None:
    assert requests.get(f"{password_url}/helloWorld", timeout=30).status_code == 401
