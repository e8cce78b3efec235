"""A minimal but real OpenID Connect provider for tests, served from a thread on 127.0.0.1 (a random port).

It serves the discovery document, the JWKS, an authorization endpoint with a sign-in page (a browser test
types a person's name there), and a token endpoint that checks the client's id and secret, the one-use
code, the redirect URI and the PKCE verifier (RFC 7636, S256) before it answers with an ID token signed
with joserfc. A test makes it misbehave on purpose: ``id_token_mode`` signs the next ID tokens wrongly
(another key, an unknown ``kid``, ``alg: none``, HS256 keyed with the public key) and ``claim_overrides``
changes their claims (issuer, audience, expiry, nonce, e-mail…).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

CLIENT_ID = "learnpath-test-client"
CLIENT_SECRET = "test-client-secret-never-shown"  # a test secret for the test provider only


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Person:
    """Someone the provider knows: their ``sub`` and the claims it tells about them."""

    subject: str
    name: str = ""
    email: str = ""
    email_verified: bool = True


@dataclass
class TestProvider:
    """The provider's state; ``issuer`` is set once it serves."""

    issuer: str = ""
    people: dict[str, Person] = field(default_factory=dict)  # by the name typed on the sign-in page
    id_token_mode: str = "good"  # good | es256 | other-key | unknown-kid | alg-none | hs256-public-key
    claim_overrides: dict[str, Any] = field(default_factory=dict)
    token_requests: int = 0
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    rsa_key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": _kid()}))
    ec_key: ECKey = field(default_factory=lambda: ECKey.generate_key("P-256", parameters={"kid": _kid()}))
    other_key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": _kid()}))

    __test__ = False  # not a pytest test class

    def reset(self) -> None:
        """Behave well again, forget codes and people."""
        self.people.clear()
        self.codes.clear()
        self.id_token_mode = "good"
        self.claim_overrides = {}
        self.token_requests = 0

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256", "HS256", "none"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict[str, Any]:
        return dict(KeySet([self.rsa_key, self.ec_key]).as_dict(private=False))

    # -- the authorization endpoint's work -------------------------------------------------------------------

    def code_issue(self, query: dict[str, str], person: Person) -> str:
        """The redirect back to the client with a new code for ``person``, as the authorization endpoint
        answers once they signed in (checks the request as a provider would)."""
        assert query["response_type"] == "code", query
        assert query["client_id"] == CLIENT_ID, query
        assert set(query["scope"].split()) >= {"openid"}, query
        assert query["code_challenge_method"] == "S256", query
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "person": person,
            "redirect_uri": query["redirect_uri"],
            "nonce": query.get("nonce"),
            "code_challenge": query["code_challenge"],
        }
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"

    # -- the token endpoint's work ---------------------------------------------------------------------------

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        self.token_requests += 1
        client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
        if authorization.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if client_id != CLIENT_ID or client_secret != CLIENT_SECRET:
            return 401, {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri differs"}
        verifier = form.get("code_verifier", "")
        if _b64(hashlib.sha256(verifier.encode()).digest()) != grant["code_challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verifier does not match"}
        person: Person = grant["person"]
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": person.subject,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            "name": person.name,
        }
        if person.email:
            claims["email"] = person.email
            claims["email_verified"] = person.email_verified
        claims.update(self.claim_overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return 200, {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(claims),
        }

    def id_token(self, claims: dict[str, Any]) -> str:
        """``claims`` signed as ``id_token_mode`` says."""
        mode = self.id_token_mode
        if mode == "good":
            return jwt.encode({"alg": "RS256", "kid": self.rsa_key.kid}, claims, self.rsa_key)
        if mode == "es256":
            return jwt.encode({"alg": "ES256", "kid": self.ec_key.kid}, claims, self.ec_key)
        if mode == "other-key":  # a key the provider does not publish, under a kid it does
            return jwt.encode({"alg": "RS256", "kid": self.rsa_key.kid}, claims, self.other_key)
        if mode == "unknown-kid":
            return jwt.encode({"alg": "RS256", "kid": self.other_key.kid}, claims, self.other_key)
        payload = _b64(json.dumps(claims).encode())
        if mode == "alg-none":
            return f"{_b64(json.dumps({'alg': 'none'}).encode())}.{payload}."
        if mode == "hs256-public-key":  # the classic confusion: HMAC keyed with the published RSA key
            header = _b64(json.dumps({"alg": "HS256", "kid": self.rsa_key.kid}).encode())
            secret = self.rsa_key.as_pem(private=False)
            signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
            return f"{header}.{payload}.{_b64(signature)}"
        raise ValueError(mode)


SIGN_IN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Test school sign-in</title></head><body><main><h1>Test school sign-in</h1>
<form method="post" action="/authorize"><input type="hidden" name="query" value="{query}">
<p><label for="who">School account</label> <input id="who" name="who" autocomplete="username"></p>
<p><button type="submit">Continue</button></p></form></main></body></html>"""


def _handler(provider: TestProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(
            self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, data: dict[str, Any]) -> None:
            self._send(status, json.dumps(data).encode(), "application/json")

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/.well-known/openid-configuration":
                self._json(200, provider.discovery())
            elif parts.path == "/jwks":
                self._json(200, provider.jwks())
            elif parts.path == "/authorize":
                page = SIGN_IN_PAGE.format(query=html.escape(parts.query, quote=True))
                self._send(200, page.encode(), "text/html; charset=utf-8")
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            path = urlsplit(self.path).path
            if path == "/token":
                status, body = provider.token(form, self.headers.get("Authorization", ""))
                self._json(status, body)
            elif path == "/authorize":
                query = {k: v[0] for k, v in parse_qs(form.get("query", "")).items()}
                person = provider.people.get(form.get("who", ""))
                if person is None:
                    refusal = urlencode({"error": "access_denied", "state": query["state"]})
                    redirect = f"{query['redirect_uri']}?{refusal}"
                else:
                    redirect = provider.code_issue(query, person)
                self._send(302, b"", "text/plain", {"Location": redirect})
            else:
                self._json(404, {"error": "not_found"})

    return Handler


@contextmanager
def provider_running() -> Iterator[TestProvider]:
    """A ``TestProvider`` serving on 127.0.0.1 until the block ends."""
    provider = TestProvider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="test-oidc-provider", daemon=True
    )
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _kid() -> str:
    return secrets.token_hex(6)
