"""A real LTI 1.3 platform (an LMS's side) for the tests, served over HTTP on 127.0.0.1 from a thread.

It signs launches and checks learnpath's signed messages with the ``lti1p3platform`` package, and keeps
what an LMS would: users and their roles, a course (context), links, a gradebook of line items and
scores, a roster for Names and Role Provisioning, and the content items a deep-linking response creates.
learnpath reaches it as it would reach Canvas or Moodle: its JWKS, token, line-item, score, membership,
OpenID configuration and registration endpoints, over HTTP.

Browser tests start a launch at ``launch_url(...)``; HTTP-level tests use ``auth_answer(...)`` to get what
the platform would post back to learnpath after the login redirect.
"""

from __future__ import annotations

import html
import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.registration import Registration

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
MENTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"
AGS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
]
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


def rsa_pair() -> tuple[str, str]:
    """A fresh RSA key pair as (private PEM, public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


class _Registration(Registration):  # type: ignore[misc]
    """The library's registration, with a key id on the platform's key (launches must name their key)."""

    def get_kid(self) -> str:
        return str(JWK.from_pem(self.get_platform_public_key().encode()).thumbprint())

    def get_jwks(self) -> list[dict[str, Any]]:
        return [{**Registration.get_jwk(self.get_platform_public_key()), "kid": self.get_kid()}]


class _Conf(LTI1P3PlatformConfAbstract):  # type: ignore[misc]
    def init_platform_config(self, **kwargs: Any) -> None:
        self._registration = kwargs["registration"]

    def get_registration_by_params(self, **kwargs: Any) -> Any:
        return self._registration


class _Launch(LTIAdvantageMessageLaunchAbstract):  # type: ignore[misc]
    def __init__(self, params: dict[str, Any], conf: _Conf) -> None:
        request = type("Req", (), {"get_data": params, "form_data": {}})()
        super().__init__(request, conf)

    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return launch_data


@dataclass
class Link:
    """A link in the platform's course (an assignment): what learnpath put in it and its line item."""

    resource_link_id: str
    title: str
    custom: dict[str, str]
    lineitem_id: str | None = None


@dataclass
class User:
    sub: str
    name: str
    roles: list[str]
    status: str = "Active"
    sourced_id: str = ""


@dataclass
class Platform:
    """The platform's state and its HTTP server."""

    tool_base: str = ""
    client_id: str = "learnpath-client-1"
    deployment_id: str = "deployment-1"
    context_id: str = "course-section-7"
    context_title: str = "Grade 4 Maths (Period 2)"
    users: dict[str, User] = field(default_factory=dict)
    links: dict[str, Link] = field(default_factory=dict)
    lineitems: dict[str, dict[str, Any]] = field(default_factory=dict)
    scores: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    deep_link_items: list[dict[str, Any]] = field(default_factory=list)
    registrations: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    tool_jwks: Callable[[], dict[str, Any]] | None = None
    fail_scores: int = 0
    ags_scopes: list[str] = field(default_factory=lambda: list(AGS_SCOPES))

    def __post_init__(self) -> None:
        self.private_key, self.public_key = rsa_pair()
        self._ids = itertools.count(1)
        self._server = make_server(
            "127.0.0.1", 0, self._app, server_class=_ThreadingServer, handler_class=_Quiet
        )
        self.base = f"http://127.0.0.1:{self._server.server_port}"
        self.issuer = self.base
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- what learnpath's administrator registers -----------------------------------------------------

    @property
    def endpoints(self) -> dict[str, str]:
        return {
            "issuer": self.issuer,
            "auth_login_url": f"{self.base}/auth",
            "auth_token_url": f"{self.base}/token",
            "key_set_url": f"{self.base}/jwks",
        }

    def registration(self) -> _Registration:
        tool = self.tool_base
        registration = (
            _Registration()
            .set_iss(self.issuer)
            .set_client_id(self.client_id)
            .set_deployment_id(self.deployment_id)
            .set_oidc_login_url(f"{tool}/lti/login/")
            .set_launch_url(f"{tool}/lti/launch/")
            .set_deeplink_launch_url(f"{tool}/lti/launch/")
            .set_platform_public_key(self.public_key)
            .set_platform_private_key(self.private_key)
        )
        if self.tool_jwks is not None:
            registration.set_tool_key_set(self.tool_jwks())
        else:
            registration.set_tool_key_set_url(f"{tool}/lti/jwks/")
        return registration

    # -- the platform's course ------------------------------------------------------------------------

    def user(self, sub: str, name: str, roles: list[str], sourced_id: str = "") -> User:
        self.users[sub] = User(sub, name, roles, sourced_id=sourced_id)
        return self.users[sub]

    def link(self, title: str, custom: dict[str, str] | None = None, *, with_lineitem: bool = True) -> Link:
        link = Link(f"link-{next(self._ids)}", title, dict(custom or {}))
        if with_lineitem:
            link.lineitem_id = self._lineitem_create(
                {"label": title, "scoreMaximum": 1, "resourceLinkId": link.resource_link_id}
            )
        self.links[link.resource_link_id] = link
        return link

    def _lineitem_create(self, data: dict[str, Any]) -> str:
        number = next(self._ids)
        url = f"{self.base}/lineitems/{number}"
        self.lineitems[url] = {**data, "id": url}
        self.scores[url] = {}
        return url

    def score(self, link: Link, sub: str) -> dict[str, Any] | None:
        """The gradebook's last score for the user in the link's column."""
        assert link.lineitem_id is not None
        return self.scores[link.lineitem_id].get(sub)

    # -- a launch -------------------------------------------------------------------------------------

    def launch_url(self, sub: str, *, link: Link | None = None, deep_link: bool = False) -> str:
        """Where a browser starts a launch (the LMS page with the link on it)."""
        hint = "deep" if deep_link else f"link:{link.resource_link_id if link else ''}"
        return f"{self.base}/start?" + urlencode({"sub": sub, "hint": hint})

    def login_params(self, sub: str, *, link: Link | None = None, deep_link: bool = False) -> dict[str, str]:
        """The third-party-initiated login the platform sends to learnpath."""
        return {
            "iss": self.issuer,
            "login_hint": sub,
            "target_link_uri": f"{self.tool_base}/lti/launch/",
            "lti_message_hint": "deep" if deep_link else f"link:{link.resource_link_id if link else ''}",
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
        }

    def auth_answer(
        self,
        auth_query: dict[str, str],
        *,
        sign: Callable[[dict[str, Any], str], str] | None = None,
        **overrides: Any,
    ) -> dict[str, str]:
        """What the platform posts to learnpath's launch URL for an authorization request: the signed
        id_token and the state. ``overrides`` change claims (``None`` removes one) and ``sign(message,
        kid)`` signs another way, for the negative tests."""
        message = self._message(auth_query)
        for key, value in overrides.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = value
        kid = self.registration().get_kid()
        if sign is not None:
            token = sign(message, kid)
        else:
            token = jwt.encode(message, self.private_key, algorithm="RS256", headers={"kid": kid})
        return {"id_token": token, "state": auth_query["state"]}

    def _message(self, query: dict[str, str]) -> dict[str, Any]:
        user = self.users[query["login_hint"]]
        conf = _Conf(registration=self.registration())
        launch = _Launch(query, conf)
        launch._registration = conf.get_registration()
        launch.validate_preflight_response(query)
        launch.set_user_data(
            user.sub, user.roles, full_name=user.name, email_address=f"{user.sub}@school.example"
        )
        launch.set_extra_claims({"given_name": user.name.split()[0]})
        if user.sourced_id:
            launch.set_extra_claims(
                {"https://purl.imsglobal.org/spec/lti/claim/lis": {"person_sourcedid": user.sourced_id}}
            )
        launch.set_launch_context_claim(
            self.context_id, context_title=self.context_title, context_label="G4M"
        )
        launch.set_nrps(f"{self.base}/memberships")
        hint = query.get("lti_message_hint", "")
        if hint == "deep":
            launch.set_dl(
                f"{self.base}/deep_link_return", title="Add an activity", accept_types={"ltiResourceLink"}
            )
        else:
            link = self.links[hint.removeprefix("link:")]
            launch.set_resource_link_claim(link.resource_link_id, title=link.title)
            if link.custom:
                launch.set_custom_parameters_claim(link.custom)
            launch.set_ags(
                lineitems_url=f"{self.base}/lineitems",
                lineitem_url=link.lineitem_id,
                allow_creating_lineitems="https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
                in self.ags_scopes,
                scores_service_enabled="https://purl.imsglobal.org/spec/lti-ags/scope/score"
                in self.ags_scopes,
            )
        data = launch.generate_launch_request()
        return jwt.decode(data["id_token"], options={"verify_signature": False})

    # -- HTTP -----------------------------------------------------------------------------------------

    def _app(self, environ: dict[str, Any], start: Callable[..., Any]) -> Iterator[bytes]:
        path = environ["PATH_INFO"]
        method = environ["REQUEST_METHOD"]
        self.requests.append(f"{method} {path}")
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            status, headers, content = self._route(method, path, query, body, environ)
        except PermissionError as error:
            status, headers, content = (
                "401 Unauthorized",
                [("Content-Type", "text/plain")],
                str(error).encode(),
            )
        start(status, headers)
        return iter([content])

    def _json(
        self, data: Any, status: str = "200 OK", kind: str = "application/json"
    ) -> tuple[str, list[Any], bytes]:
        return status, [("Content-Type", kind)], json.dumps(data).encode()

    def _html(self, text: str) -> tuple[str, list[Any], bytes]:
        page = (
            f"<!doctype html><html lang='en'><head><title>Test LMS</title></head><body>{text}</body></html>"
        )
        return "200 OK", [("Content-Type", "text/html; charset=utf-8")], page.encode()

    def _bearer(self, environ: dict[str, Any], scope: str) -> None:
        header = environ.get("HTTP_AUTHORIZATION", "")
        if not header.startswith("Bearer "):
            raise PermissionError("no access token")
        conf = _Conf(registration=self.registration())
        if not conf.validate_token(header.removeprefix("Bearer "), allowed_scopes=[scope]):
            raise PermissionError("the access token lacks the scope " + scope)

    def _route(
        self, method: str, path: str, query: dict[str, str], body: bytes, environ: dict[str, Any]
    ) -> tuple[str, list[Any], bytes]:
        form = {k: v[-1] for k, v in parse_qs(body.decode()).items()} if body else {}
        if path == "/jwks":
            return self._json({"keys": self.registration().get_jwks()})
        if path == "/.well-known/openid-configuration":
            return self._json(
                {
                    "issuer": self.issuer,
                    "authorization_endpoint": f"{self.base}/auth",
                    "token_endpoint": f"{self.base}/token",
                    "jwks_uri": f"{self.base}/jwks",
                    "registration_endpoint": f"{self.base}/register",
                    "scopes_supported": ["openid", *AGS_SCOPES, NRPS_SCOPE],
                    "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                        "product_family_code": "test-lms",
                        "version": "1.0",
                        "messages_supported": [
                            {"type": "LtiResourceLinkRequest"},
                            {"type": "LtiDeepLinkingRequest"},
                        ],
                    },
                }
            )
        if path == "/register" and method == "POST":
            if environ.get("HTTP_AUTHORIZATION") != "Bearer reg-token-1":
                return self._json({"error": "invalid registration token"}, "401 Unauthorized")
            self.registrations.append(json.loads(body))
            return self._json(
                {
                    **json.loads(body),
                    "client_id": self.client_id,
                    "https://purl.imsglobal.org/spec/lti-tool-configuration": {
                        "deployment_id": self.deployment_id
                    },
                }
            )
        if path == "/start":
            params = self.login_params(
                query["sub"],
                link=self.links.get(query["hint"].removeprefix("link:")),
                deep_link=query["hint"] == "deep",
            )
            return "302 Found", [("Location", f"{self.tool_base}/lti/login/?" + urlencode(params))], b""
        if path == "/auth":
            answer = self.auth_answer(query)
            fields = "".join(
                f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in answer.items()
            )
            return self._html(
                f'<form id="f" method="post" action="{html.escape(query["redirect_uri"])}">{fields}'
                '<button type="submit">Continue to the tool</button></form>'
                "<script>document.getElementById('f').submit()</script>"
            )
        if path == "/token" and method == "POST":
            conf = _Conf(registration=self.registration())
            return self._json(conf.get_access_token(form))
        if path == "/lineitems" and method == "GET":
            self._bearer(environ, AGS_SCOPES[0])
            return self._json(
                list(self.lineitems.values()), kind="application/vnd.ims.lis.v2.lineitemcontainer+json"
            )
        if path == "/lineitems" and method == "POST":
            self._bearer(environ, AGS_SCOPES[0])
            url = self._lineitem_create(json.loads(body))
            return self._json(self.lineitems[url], "201 Created", "application/vnd.ims.lis.v2.lineitem+json")
        if path.startswith("/lineitems/") and path.endswith("/scores") and method == "POST":
            self._bearer(environ, AGS_SCOPES[2])
            if self.fail_scores:
                self.fail_scores -= 1
                return self._json({"error": "gradebook busy"}, "503 Service Unavailable")
            url = self.base + path.removesuffix("/scores")
            score = json.loads(body)
            self.scores[url][score["userId"]] = score
            return "204 No Content", [], b""
        if path == "/memberships":
            self._bearer(environ, NRPS_SCOPE)
            members = [
                {
                    "user_id": u.sub,
                    "name": u.name,
                    "given_name": u.name.split()[0],
                    "roles": u.roles,
                    "status": u.status,
                }
                for u in self.users.values()
            ]
            return self._json(
                {"id": f"{self.base}/memberships", "context": {"id": self.context_id}, "members": members},
                kind="application/vnd.ims.lti-nrps.v2.membershipcontainer+json",
            )
        if path == "/deep_link_return" and method == "POST":
            conf = _Conf(registration=self.registration())
            items = conf.validate_deeplinking_resp({"JWT": form["JWT"]})
            for item in items:
                self.deep_link_items.append(item)
                link = Link(f"link-{next(self._ids)}", item["title"], dict(item.get("custom") or {}))
                if item.get("lineItem"):
                    link.lineitem_id = self._lineitem_create(
                        {**item["lineItem"], "resourceLinkId": link.resource_link_id}
                    )
                self.links[link.resource_link_id] = link
            titles = ", ".join(html.escape(i["title"]) for i in items)
            return self._html(f'<h1>Activity added</h1><p id="added">Added: {titles}</p>')
        return "404 Not Found", [("Content-Type", "text/plain")], b"not found"


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


def token_now() -> int:
    return int(time.time())


def new_id() -> str:
    return uuid.uuid4().hex


def query_of(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
