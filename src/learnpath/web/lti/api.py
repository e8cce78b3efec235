"""What other apps and the CLI may use from lti: plain functions returning plain data (OEP-49)."""

from __future__ import annotations

from dataclasses import dataclass

from learnpath.web.accounts import api as accounts_api
from learnpath.web.lti import keys, services
from learnpath.web.lti import privacy as privacy_provider
from learnpath.web.lti.models import LtiPlatform
from learnpath.web.lti.services import PlatformSpec, RegistrationRefused

__all__ = [
    "PlatformAdded",
    "PlatformInfo",
    "RegistrationRefused",
    "key_rotate",
    "platform_add",
    "platforms",
    "privacy_provider",
]


@dataclass(frozen=True)
class PlatformAdded:
    created: bool
    name: str
    deployment_ids: tuple[str, ...]


@dataclass(frozen=True)
class PlatformInfo:
    name: str
    issuer: str
    client_id: str
    active: bool
    via: str
    organisation: str
    deployment_ids: tuple[str, ...]


def platform_add(
    *,
    organisation_slug: str,
    name: str,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    key_set_url: str,
    auth_audience: str = "",
    deployment_ids: tuple[str, ...] = (),
) -> PlatformAdded:
    """Register (or update) an LMS for an organisation; raises ``RegistrationRefused`` with the reason."""
    organisation = accounts_api.organisation_info(slug=organisation_slug)
    if organisation is None:
        known = ", ".join(o.slug for o in accounts_api.organisations_all()) or "none yet"
        raise RegistrationRefused(f"there is no organisation {organisation_slug!r} (there are: {known})")
    existed = LtiPlatform.objects.filter(issuer=issuer, client_id=client_id).exists()
    platform = services.platform_register(
        spec=PlatformSpec(
            name=name,
            issuer=issuer,
            client_id=client_id,
            auth_login_url=auth_login_url,
            auth_token_url=auth_token_url,
            key_set_url=key_set_url,
            organisation_id=organisation.id,
            deployment_ids=deployment_ids,
            auth_audience=auth_audience,
        )
    )
    return PlatformAdded(
        created=not existed,
        name=platform.name,
        deployment_ids=tuple(platform.deployments.order_by("id").values_list("deployment_id", flat=True)),
    )


def platforms() -> list[PlatformInfo]:
    """Every registered LMS, by name."""
    names = {o.id: o.name for o in accounts_api.organisations_all()}
    return [
        PlatformInfo(
            name=p.name,
            issuer=p.issuer,
            client_id=p.client_id,
            active=p.is_active,
            via=p.via,
            organisation=names.get(p.organisation_id, str(p.organisation_id)),
            deployment_ids=tuple(p.deployments.order_by("id").values_list("deployment_id", flat=True)),
        )
        for p in LtiPlatform.objects.order_by("name", "id")
    ]


def key_rotate() -> str:
    """Make a new signing key; returns its key id."""
    return keys.key_rotate().kid
