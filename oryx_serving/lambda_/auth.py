"""HTTP authentication for every path: Digest (RFC 7616/2617, MD5, ``qop=auth``) as Oryx 2, Basic only over TLS.

With ``oryx.serving.api.user-name`` and ``password`` set, each request (the console, ``/ready`` and ``/metrics``
included, as Oryx 2 protected ``/*``) must authenticate as that one user of realm "Oryx"; otherwise it gets 401
with the challenges. Basic sends the password itself, so it is offered and accepted only on a TLS connection.

Nonces are stateless: ``<issued-at>.<random>.<HMAC>``, the HMAC keyed by a secret derived from the credentials,
so every gunicorn worker (and every instance with the same config) accepts a nonce another one issued, and an
expired one (after ``NONCE_LIFETIME_SECONDS``) is answered with ``stale=true`` so clients retry without asking
the user again. Replays are refused per worker: each worker remembers the (nonce, nc, cnonce) triples it has
accepted until their nonce expires. A replay sent to a *different* worker within the nonce lifetime is not
detected; TLS is the defence against capture.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, request

from oryx_serving.lambda_.settings import Credentials

REALM = "Oryx"
NONCE_LIFETIME_SECONDS = 300
_MAX_REMEMBERED_TRIPLES = 100_000
"""Bounds the replay memory; past it the oldest nonces' triples are forgotten (they expire soon anyway)."""
_UNAUTHORIZED_BODY = "Unauthorized"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


class DigestAuthenticator:
    """Issues challenges and checks ``Authorization`` headers for one user; thread-safe."""

    def __init__(self, credentials: Credentials, *, clock: Callable[[], float] = time.time) -> None:
        self._credentials = credentials
        self._ha1 = _md5(f"{credentials.user_name}:{REALM}:{credentials.password}")
        self._secret = hashlib.sha256(
            f"oryx-serving-digest-nonce\0{credentials.user_name}\0{credentials.password}".encode()
        ).digest()
        self._opaque = hmac.new(self._secret, b"opaque", hashlib.sha256).hexdigest()[:32]
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, set[tuple[str, str]]] = {}
        """nonce -> accepted (nc, cnonce) pairs, in order of first use (so, roughly, oldest first)."""
        self._remembered = 0

    # ---- nonces ------------------------------------------------------------------------------------------

    def _mac(self, issued: str, salt: str) -> str:
        return hmac.new(self._secret, f"{issued}.{salt}".encode(), hashlib.sha256).hexdigest()[:32]

    def new_nonce(self) -> str:
        issued = format(int(self._clock()), "x")
        salt = secrets.token_hex(8)
        return f"{issued}.{salt}.{self._mac(issued, salt)}"

    def _nonce_state(self, nonce: str) -> str:
        """``valid``, ``stale`` (ours but expired) or ``forged``."""
        try:
            issued, salt, mac = nonce.split(".")
            issued_at = int(issued, 16)
        except ValueError:
            return "forged"
        if not hmac.compare_digest(mac.encode(), self._mac(issued, salt).encode()):
            return "forged"
        age = self._clock() - issued_at
        if age < -5 or age > NONCE_LIFETIME_SECONDS:  # a little clock skew between instances is tolerated
            return "stale"
        return "valid"

    def _first_use(self, nonce: str, nc: str, cnonce: str) -> bool:
        """Records (nc, cnonce) for the nonce; False when this worker has accepted exactly it before."""
        with self._lock:
            pairs = self._seen.setdefault(nonce, set())
            if (nc, cnonce) in pairs:
                return False
            pairs.add((nc, cnonce))
            self._remembered += 1
            self._forget_expired()
            return True

    def _forget_expired(self) -> None:
        now = self._clock()
        while self._seen:
            oldest = next(iter(self._seen))
            expired = now - int(oldest.split(".", 1)[0], 16) > NONCE_LIFETIME_SECONDS
            if not expired and self._remembered <= _MAX_REMEMBERED_TRIPLES:
                return
            self._remembered -= len(self._seen.pop(oldest))

    # ---- challenges and checks ---------------------------------------------------------------------------

    def challenge(self, *, stale: bool = False) -> str:
        header = (
            f'Digest realm="{REALM}", qop="auth", algorithm=MD5, nonce="{self.new_nonce()}", opaque="{self._opaque}"'
        )
        return header + (", stale=true" if stale else "")

    def check_digest(self, params: Mapping[str, str], method: str, request_targets: set[str]) -> str:
        """``ok``, ``stale`` (retry with a fresh nonce) or ``denied`` for a Digest ``Authorization``'s params."""
        nonce = params.get("nonce", "")
        nc = params.get("nc", "")
        cnonce = params.get("cnonce", "")
        response = params.get("response", "")
        if (
            params.get("realm") != REALM
            or params.get("qop") != "auth"
            or params.get("algorithm", "MD5").upper() != "MD5"
            or params.get("opaque", self._opaque) != self._opaque
            or not (len(nc) == 8 and all(c in "0123456789abcdefABCDEF" for c in nc))
            or not cnonce
            or not _same_uri(params.get("uri", ""), request_targets)
        ):
            return "denied"
        user_ok = hmac.compare_digest(params.get("username", "").encode(), self._credentials.user_name.encode())
        ha2 = _md5(f"{method}:{params.get('uri', '')}")
        expected = _md5(f"{self._ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        if not (hmac.compare_digest(response.lower().encode(), expected.encode()) and user_ok):
            return "denied"
        state = self._nonce_state(nonce)
        if state != "valid":
            return "stale" if state == "stale" else "denied"
        return "ok" if self._first_use(nonce, nc.lower(), cnonce) else "denied"

    def check_basic(self, user: str | None, password: str | None) -> bool:
        user_ok = hmac.compare_digest((user or "").encode(), self._credentials.user_name.encode())
        password_ok = hmac.compare_digest((password or "").encode(), self._credentials.password.encode())
        return user_ok and password_ok


def _same_uri(digest_uri: str, request_targets: set[str]) -> bool:
    """The Digest ``uri`` must name this request's target (RFC 7616 3.4.6), in absolute form or not."""
    if not digest_uri:
        return False
    parts = urlsplit(digest_uri)
    target = parts.path + (f"?{parts.query}" if parts.query else "") if parts.scheme else digest_uri
    return unquote(target) in request_targets


def _request_targets() -> set[str]:
    """This request's target, percent-decoded: as the client sent it (gunicorn's RAW_URI) and as routed."""
    query = request.query_string.decode("latin-1")
    routed = request.script_root + request.path + (f"?{unquote(query)}" if query else "")
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    return {routed, unquote(str(raw))} if raw else {routed}


def _basic(header: str) -> tuple[str, str] | None:
    try:
        user, _, password = base64.b64decode(header, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def _unauthorized(authenticator: DigestAuthenticator, *, stale: bool = False) -> Response:
    response = Response(_UNAUTHORIZED_BODY, status=401, mimetype="text/plain")
    response.headers.add("WWW-Authenticate", authenticator.challenge(stale=stale))
    if request.is_secure:
        response.headers.add("WWW-Authenticate", f'Basic realm="{REALM}", charset="UTF-8"')
    return response


def authenticate(authenticator: DigestAuthenticator) -> Response | None:
    """None when the request may proceed, else the 401 to send (a ``before_request`` hook)."""
    header = request.headers.get("Authorization", "")
    scheme, _, rest = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "digest" and request.authorization is not None:
        verdict = authenticator.check_digest(request.authorization.parameters, request.method, _request_targets())
        if verdict == "ok":
            return None
        return _unauthorized(authenticator, stale=verdict == "stale")
    if scheme == "basic" and request.is_secure:
        pair = _basic(rest.strip())
        if pair is not None and authenticator.check_basic(*pair):
            return None
    return _unauthorized(authenticator)


def init_app(app: Flask, credentials: Credentials | None) -> None:
    """Protects every route of ``app`` when credentials are configured; does nothing otherwise."""
    if credentials is None:
        return
    authenticator = DigestAuthenticator(credentials)
    app.extensions["oryx_auth"] = authenticator
    app.before_request(lambda: authenticate(authenticator))
