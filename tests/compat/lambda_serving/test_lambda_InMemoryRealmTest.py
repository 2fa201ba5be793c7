"""Oryx 2's ``InMemoryRealmTest``: the configured user authenticates with the password, nobody else does.

Oryx 2 tests its Tomcat realm object; ours has none, so the same expectations are made of HTTP Digest
authentication (``oryx.serving.api.user-name`` foo, ``password`` bar), with ``requests``' own digest client.
"""

from __future__ import annotations

from collections.abc import Callable

from compat.conftest import Oryx2Server
from compat.lambda_serving.oryx2_test_resources import MANAGER, RESOURCES
from requests.auth import HTTPDigestAuth
from werkzeug.http import parse_dict_header


def status_as(server: Oryx2Server, user: str, password: str) -> int:
    client = server.client
    challenge = client.get("/helloWorld")
    assert challenge.status_code == 401
    header = next(h for h in challenge.headers.getlist("WWW-Authenticate") if h.startswith("Digest "))
    digest = HTTPDigestAuth(user, password)
    digest.init_per_thread_state()
    digest._thread_local.chal = dict(parse_dict_header(header[len("Digest ") :]))
    authorization = digest.build_digest_header("GET", "http://localhost/helloWorld")
    assert authorization is not None
    return client.get("/helloWorld", headers={"Authorization": authorization}).status_code


def testAuthenticate(serve: Callable[..., Oryx2Server]) -> None:
    server = serve([], RESOURCES, MANAGER, "oryx.serving.api.user-name=foo", "oryx.serving.api.password=bar")
    assert status_as(server, "foo", "bar") == 200
    assert status_as(server, "foo", "baz") == 401
    assert status_as(server, "bar", "foo") == 401
