"""LTI Dynamic Registration 1.0: the LMS opens learnpath's registration page with the address of its OpenID
configuration and a one-time token; an administrator of learnpath confirms; learnpath reads the
configuration, registers itself at the LMS's registration endpoint and stores the client id and
deployment the LMS gives it. Nothing is stored unless the LMS accepted the registration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from django.utils.translation import gettext

from learnpath.web.accounts import api as accounts_api
from learnpath.web.lti.http import lms_session
from learnpath.web.lti.models import LtiPlatform
from learnpath.web.lti.services import PlatformSpec, RegistrationRefused, platform_register

PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
SCOPES = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
)


class RegistrationFailed(Exception):
    """The LMS's configuration could not be read or it refused the registration; ``str()`` says which."""


@dataclass(frozen=True)
class PlatformConfiguration:
    """The parts of an LMS's OpenID configuration that registration uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    product: str
    token_audience: str
    scopes_supported: tuple[str, ...]


@dataclass(frozen=True)
class ToolUrls:
    """learnpath's addresses that the LMS registers."""

    login: str
    launch: str
    jwks: str
    home: str


def platform_configuration(url: str) -> PlatformConfiguration:
    """Read and check the LMS's OpenID configuration (its issuer must be a prefix of the address)."""
    if not url.startswith(("https://", "http://")):
        raise RegistrationFailed(gettext("{url!r} is not a web address.").format(url=url))
    try:
        response = lms_session().get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        raise RegistrationFailed(
            gettext("The LMS's configuration at {url} could not be read: {error}").format(
                url=url, error=error
            )
        ) from error
    if not isinstance(data, dict):
        raise RegistrationFailed(gettext("The LMS's configuration is not a JSON object."))
    missing = [
        key
        for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")
        if not isinstance(data.get(key), str) or not data.get(key)
    ]
    if missing:
        raise RegistrationFailed(
            gettext("The LMS's configuration lacks {keys}.").format(keys=", ".join(missing))
        )
    issuer = str(data["issuer"])
    if not url.startswith(issuer.rstrip("/")):
        raise RegistrationFailed(
            gettext(
                "The LMS's configuration names the issuer {issuer}, which is not where it was read from "
                "({url})."
            ).format(issuer=issuer, url=url)
        )
    platform = data.get(PLATFORM_CONFIGURATION) or {}
    return PlatformConfiguration(
        issuer=issuer,
        authorization_endpoint=str(data["authorization_endpoint"]),
        token_endpoint=str(data["token_endpoint"]),
        jwks_uri=str(data["jwks_uri"]),
        registration_endpoint=str(data["registration_endpoint"]),
        product=str(platform.get("product_family_code") or ""),
        token_audience=str(data.get("authorization_server") or ""),
        scopes_supported=tuple(str(s) for s in data.get("scopes_supported") or ()),
    )


@dataclass(frozen=True)
class OrganisationChoice:
    id: int
    name: str


def organisations() -> list[OrganisationChoice]:
    """The organisations an LMS may be registered for."""
    return [OrganisationChoice(o.id, o.name) for o in accounts_api.organisations_all()]


def tool_registration(config: PlatformConfiguration, urls: ToolUrls) -> dict[str, Any]:
    """The client registration learnpath sends (OpenID Connect Dynamic Client Registration with the LTI
    tool configuration)."""
    scopes = [s for s in SCOPES if not config.scopes_supported or s in config.scopes_supported]
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls.login,
        "redirect_uris": [urls.launch],
        "client_name": "learnpath",
        "jwks_uri": urls.jwks,
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(scopes),
        TOOL_CONFIGURATION: {
            "domain": urlsplit(urls.launch).netloc,
            "target_link_uri": urls.launch,
            "description": "Personalised practice to mastery, with mastery passed back to the gradebook.",
            "claims": ["iss", "sub", "name", "given_name"],
            "messages": [
                {"type": "LtiDeepLinkingRequest", "target_link_uri": urls.launch, "label": "learnpath"},
                {"type": "LtiResourceLinkRequest", "target_link_uri": urls.launch, "label": "learnpath"},
            ],
        },
    }


def register(
    config: PlatformConfiguration, *, token: str, tool_urls: ToolUrls, organisation_id: int, actor: Any
) -> LtiPlatform:
    """Register learnpath at the LMS and store what it answers (client id, deployment)."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = lms_session().post(
            config.registration_endpoint, json=tool_registration(config, tool_urls), headers=headers
        )
        response.raise_for_status()
        answer = response.json()
    except (requests.RequestException, ValueError) as error:
        raise RegistrationFailed(
            gettext("The LMS refused the registration or did not answer: {error}").format(error=error)
        ) from error
    client_id = str(answer.get("client_id") or "") if isinstance(answer, dict) else ""
    if not client_id:
        raise RegistrationFailed(gettext("The LMS's answer has no client_id; nothing was stored."))
    tool = answer.get(TOOL_CONFIGURATION) or {}
    deployment = str(tool.get("deployment_id") or "")
    try:
        return platform_register(
            spec=PlatformSpec(
                name=config.product or urlsplit(config.issuer).netloc,
                issuer=config.issuer,
                client_id=client_id,
                auth_login_url=config.authorization_endpoint,
                auth_token_url=config.token_endpoint,
                key_set_url=config.jwks_uri,
                organisation_id=organisation_id,
                deployment_ids=(deployment,) if deployment else (),
                auth_audience=config.token_audience,
                product=config.product,
                via=LtiPlatform.Via.DYNAMIC,
            ),
            actor=actor,
        )
    except RegistrationRefused as error:
        raise RegistrationFailed(str(error)) from error
