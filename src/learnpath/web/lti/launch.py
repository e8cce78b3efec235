"""Checking an LTI 1.3 login and launch (LTI Core 1.3 §5, 1EdTech Security Framework §5.1.3) with
pylti1p3 (the ``pylti1p3next`` distribution), backed by learnpath's own platform table.

The library does the OpenID Connect steps (state cookie, nonce, redirect) and verifies the id_token's
signature against the platform's published keys. learnpath adds what it must be sure of before it writes
anything, each with a message a person can act on:

- the token is signed with an asymmetric algorithm (``alg: none`` and HS256 are refused before any key is
  looked up, so a platform's public key can never serve as a shared secret);
- the issuer and client id name an active registration, and the deployment is one learnpath knows;
- the token carries ``exp``, ``iat`` and ``nonce``, and the nonce is used once only (the library checks that
  learnpath issued it, but would accept the same token again while the nonce is remembered).

``launch_check`` returns plain facts (``Launch``); ``services.launch_accept`` writes them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import jwt
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiException
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract

from learnpath.web.lti.http import lms_session
from learnpath.web.lti.keys import current_key
from learnpath.web.lti.models import LtiDeployment, LtiPlatform

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"})

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
LEARNER_ROLES = frozenset(
    {
        MEMBERSHIP + "Learner",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Learner",
        "Learner",
    }
)
TEACHER_ROLES = frozenset(
    {
        MEMBERSHIP + "Instructor",
        MEMBERSHIP + "ContentDeveloper",
        MEMBERSHIP + "Administrator",
        "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
        "Instructor",
    }
)


class LaunchRefused(Exception):
    """A login or launch learnpath will not accept; ``str()`` says why and what to do. Nothing was written."""


@dataclass(frozen=True)
class Launch:
    """What a checked launch says, as plain data."""

    platform_id: int
    organisation_id: int
    deployment_id: str
    message_type: str
    subject: str
    role: str  # "learner" or "teacher"
    display_name: str
    person_sourced_id: str
    nonce: str
    expires_at: int
    context_id: str
    context_title: str
    resource_link_id: str
    resource_link_title: str
    custom: dict[str, str] = field(default_factory=dict)
    ags_scopes: tuple[str, ...] = ()
    ags_lineitems: str = ""
    ags_lineitem: str = ""
    nrps_url: str = ""
    deep_link_settings: dict[str, Any] = field(default_factory=dict)
    return_url: str = ""


class ToolConf(ToolConfAbstract[Any]):
    """pylti1p3's view of learnpath's registrations: one issuer may have several client ids."""

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration:
        return self.find_registration_by_params(iss, None, *args, **kwargs)  # type: ignore[arg-type]

    def find_registration_by_params(
        self, iss: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> Registration | None:  # type: ignore[override]
        platform = platform_find(iss, client_id)
        return None if platform is None else registration_of(platform)

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        return None

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Deployment | None:
        platform = platform_find(iss, client_id)
        if (
            platform is None
            or not LtiDeployment.objects.filter(platform=platform, deployment_id=deployment_id).exists()
        ):
            return None
        return Deployment().set_deployment_id(deployment_id)


def platform_find(issuer: str, client_id: str | None) -> LtiPlatform | None:
    """The active registration for this issuer and client id; without a client id (an LMS may leave it
    out of the login request), the issuer's only registration."""
    platforms = LtiPlatform.objects.filter(issuer=issuer, is_active=True)
    if client_id:
        return platforms.filter(client_id=client_id).first()
    found = list(platforms[:2])
    return found[0] if len(found) == 1 else None


def registration_of(platform: LtiPlatform) -> Registration:
    """The platform as pylti1p3 needs it, with learnpath's current signing key."""
    key = current_key()
    registration = (
        Registration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_login_url(platform.auth_login_url)
        .set_auth_token_url(platform.auth_token_url)
        .set_key_set_url(platform.key_set_url)
        .set_tool_private_key(key.private_key_pem)
        .set_tool_public_key(key.public_key_pem)
    )
    if platform.auth_audience:
        registration.set_auth_audience(platform.auth_audience)
    registration.get_kid = lambda: key.kid  # type: ignore[method-assign]
    return registration


def login_redirect(request: HttpRequest, *, launch_url: str) -> HttpResponse:
    """The answer to a platform's third-party-initiated login: a redirect to its authorization endpoint
    with a fresh state (also set as a short-lived cookie) and nonce."""
    params = request.POST if request.method == "POST" else request.GET
    issuer, hint = str(params.get("iss", "")), str(params.get("login_hint", ""))
    client_id = str(params.get("client_id", "")) or None
    if not issuer or not hint:
        raise LaunchRefused(
            gettext(
                "This LTI login request has no issuer (iss) or no login_hint. Start the launch from a link "
                "in your LMS; learnpath cannot be launched by opening this address directly."
            )
        )
    if platform_find(issuer, client_id) is None:
        raise LaunchRefused(_unregistered(issuer, client_id))
    # target_link_uri is not followed: every launch comes back to learnpath's one launch URL.
    login = DjangoOIDCLogin(request, ToolConf(), launch_data_storage=DjangoCacheDataStorage())
    try:
        return login.redirect(launch_url)  # type: ignore[no-any-return]
    except LtiException as error:
        raise LaunchRefused(str(error)) from error


def _unregistered(issuer: str, client_id: str | None) -> str:
    return gettext(
        "learnpath has no active registration for this LMS (issuer {issuer}, client id {client}). An "
        "administrator registers it first (docs/integrations.md, LTI 1.3)."
    ).format(issuer=issuer, client=client_id or gettext("not given"))


def launch_check(request: HttpRequest) -> Launch:
    """Check a launch (the id_token and state the platform posted) and return its facts, or refuse."""
    id_token = str(request.POST.get("id_token", ""))
    if not id_token:
        raise LaunchRefused(
            gettext("The launch has no id_token. Start it from a link in your LMS; nothing was recorded.")
        )
    header, body = _unverified(id_token)
    algorithm = str(header.get("alg", ""))
    if algorithm not in ASYMMETRIC_ALGORITHMS:
        raise LaunchRefused(
            gettext(
                "The launch token is signed with {alg!r}; learnpath accepts only tokens signed with the "
                "LMS's private key (RS256 and similar). Unsigned and shared-secret tokens are refused."
            ).format(alg=algorithm or "none")
        )
    for claim in ("exp", "iat", "nonce", "iss", "aud", "sub"):
        if claim not in body:
            raise LaunchRefused(
                gettext("The launch token has no {claim!r} claim, which LTI 1.3 requires.").format(
                    claim=claim
                )
            )
    issuer = str(body["iss"])
    audience = body["aud"]
    client_id = str(body.get("azp") or (audience[0] if isinstance(audience, list) and audience else audience))
    if isinstance(audience, list) and client_id not in audience:
        raise LaunchRefused(
            gettext("The launch token's audience does not include its authorised party (azp).")
        )
    platform = platform_find(issuer, client_id)
    if platform is None:
        raise LaunchRefused(_unregistered(issuer, client_id))
    deployment_id = str(body.get(CLAIM + "deployment_id", ""))
    if not LtiDeployment.objects.filter(platform=platform, deployment_id=deployment_id).exists():
        raise LaunchRefused(
            gettext(
                "learnpath is not deployed as {deployment!r} in {name}. An administrator adds the deployment "
                "id (docs/integrations.md); nothing was recorded."
            ).format(deployment=deployment_id, name=platform.name)
        )
    message = DjangoMessageLaunch(
        request, ToolConf(), launch_data_storage=DjangoCacheDataStorage(), requests_session=lms_session()
    )
    try:
        data = message.get_launch_data()
    except LtiException as error:
        raise LaunchRefused(_library_refusal(str(error), header)) from error
    return _facts(platform, data)


def _unverified(id_token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        header = jwt.get_unverified_header(id_token)
        body = jwt.decode(id_token, options={"verify_signature": False})
    except (jwt.DecodeError, json.JSONDecodeError, ValueError) as error:
        raise LaunchRefused(
            gettext("The launch token is not a readable JWT: {error}").format(error=error)
        ) from error
    if not isinstance(body, dict):
        raise LaunchRefused(gettext("The launch token's body is not a JSON object."))
    return header, body


def _library_refusal(detail: str, header: dict[str, Any]) -> str:
    lowered = detail.lower()
    if "state" in lowered:
        return gettext(
            "The launch does not match a login started here (its state is missing or unknown): it may have "
            "taken more than 5 minutes, or your browser blocked learnpath's cookie. Open the link in your "
            "LMS again, in a new window if it is embedded."
        )
    if "nonce" in lowered:
        return gettext("The launch's nonce was not issued by learnpath for this login. Open the link again.")
    if "expired" in lowered:
        return gettext("The launch token has expired. Open the link in your LMS again.")
    if "unable to find public key" in lowered:
        return gettext(
            "The launch token is signed with a key ({kid}) that the LMS does not publish at its key set URL."
        ).format(kid=header.get("kid", gettext("no key id")))
    if "signature" in lowered or "decode" in lowered:
        return gettext("The launch token's signature does not verify with the LMS's published keys.")
    return gettext("The LMS's launch was refused: {detail}").format(detail=detail)


def _facts(platform: LtiPlatform, data: dict[str, Any]) -> Launch:
    roles = set(data.get(CLAIM + "roles") or [])
    if roles & TEACHER_ROLES:
        role = "teacher"
    elif roles & LEARNER_ROLES:
        role = "learner"
    else:
        raise LaunchRefused(
            gettext(
                "Your role in this LMS course is not one learnpath serves (learners and instructors are). "
                "Observers and mentors follow a learner through a guardian link instead."
            )
        )
    context = data.get(CLAIM + "context") or {}
    link = data.get(CLAIM + "resource_link") or {}
    ags = data.get(AGS_CLAIM) or {}
    nrps = data.get(NRPS_CLAIM) or {}
    lis = data.get(CLAIM + "lis") or {}
    presentation = data.get(CLAIM + "launch_presentation") or {}
    name = str(data.get("given_name") or data.get("name") or "").strip()
    return Launch(
        platform_id=platform.pk,
        organisation_id=platform.organisation_id,
        deployment_id=str(data.get(CLAIM + "deployment_id", "")),
        message_type=str(data.get(CLAIM + "message_type", "")),
        subject=str(data["sub"]),
        role=role,
        display_name=name[:150],
        person_sourced_id=str(lis.get("person_sourcedid") or ""),
        nonce=str(data["nonce"]),
        expires_at=int(data["exp"]),
        context_id=str(context.get("id") or ""),
        context_title=str(context.get("title") or context.get("label") or "")[:255],
        resource_link_id=str(link.get("id") or ""),
        resource_link_title=str(link.get("title") or "")[:255],
        custom={str(k): str(v) for k, v in (data.get(CLAIM + "custom") or {}).items()},
        ags_scopes=tuple(str(s) for s in ags.get("scope") or ()),
        ags_lineitems=str(ags.get("lineitems") or ""),
        ags_lineitem=str(ags.get("lineitem") or ""),
        nrps_url=str(nrps.get("context_memberships_url") or ""),
        deep_link_settings=dict(data.get(DL_CLAIM) or {}),
        return_url=str(presentation.get("return_url") or ""),
    )
