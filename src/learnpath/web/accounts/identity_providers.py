"""An organisation's OpenID Connect identity providers, and the links from a provider's people to learnpath
accounts (docs/decisions/0092-oidc-sign-in.md).

- **Configuring.** ``identity_provider_add`` fetches the provider's discovery document
  (``<issuer>/.well-known/openid-configuration``), checks that it names the same issuer and the endpoints a
  sign-in needs, and keeps it; ``identity_provider_refresh`` fetches it again. The client secret is stored
  once and never shown, logged or written into the audit log.
- **Linking.** ``identity_link_create`` links a person of the provider (its issuer and ``sub``) to a learnpath
  account, audited. ``identity_sign_in_resolve`` decides who a verified ID token signs in as: a stored link
  only, made now by a verified e-mail of the organisation when the provider allows it (learners and teachers,
  never administrators), or a new learner account when the provider makes them. Nothing else.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy

from learnpath.web.accounts.models import IdentityLink, IdentityProvider, Organisation, Role, User
from learnpath.web.accounts.services import audit_entry_record, user_create

DISCOVERY_PATH = "/.well-known/openid-configuration"
HTTP_TIMEOUT_S = 10
# ID tokens are accepted only signed with these (RFC 7518): never "none", never a shared-secret HMAC, which a
# public key from the JWKS could otherwise be misused as.
SIGNING_ALGORITHMS = ("RS256", "ES256")
SCOPES = "openid email profile"


class ProviderProblem(ValueError):
    """The provider cannot be configured or used as asked; the message says what to do."""


class SignInRefused(Exception):
    """A verified person of the provider may not sign in; the message is for them. ``subject``: their id at
    the provider, shown to them when nothing links it yet, so an administrator can link it."""

    def __init__(self, message: str, *, subject: str = "") -> None:
        super().__init__(message)
        self.subject = subject


def _transport_secure(url: str) -> bool:
    """HTTPS, or plain HTTP to this machine only (trying a provider out, and the tests' provider)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def discovery_fetch(*, issuer: str) -> dict[str, Any]:
    """The provider's discovery document (OpenID Connect Discovery 1.0, §4), checked: the ``issuer`` it
    names is exactly ``issuer`` (§4.3), it has the authorization, token and JWKS endpoints, all over HTTPS,
    and it signs ID tokens with RS256 or ES256."""
    if not _transport_secure(issuer):
        raise ProviderProblem(f"the issuer {issuer!r} must be an https:// address")
    url = issuer.rstrip("/") + DISCOVERY_PATH
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT_S, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderProblem(f"could not read the discovery document at {url}: {error}") from error
    if not isinstance(document, dict):
        raise ProviderProblem(f"the discovery document at {url} is not a JSON object")
    if document.get("issuer") != issuer:
        raise ProviderProblem(
            f"the discovery document at {url} names the issuer {document.get('issuer')!r}, not {issuer!r}: "
            "give the issuer exactly as the provider writes it"
        )
    for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = document.get(endpoint)
        if not isinstance(value, str) or not _transport_secure(value):
            raise ProviderProblem(f"the discovery document at {url} has no https {endpoint}")
    algorithms = document.get("id_token_signing_alg_values_supported") or ["RS256"]
    if not set(algorithms) & set(SIGNING_ALGORITHMS):
        raise ProviderProblem(
            f"the provider signs ID tokens with {', '.join(map(str, algorithms))}; learnpath accepts "
            f"{' or '.join(SIGNING_ALGORITHMS)}"
        )
    return document


def _domains(text: str) -> str:
    domains = sorted({d.strip().lstrip("@").casefold() for d in re.split(r"[\s,]+", text) if d.strip()})
    return " ".join(domains)


@transaction.atomic
def identity_provider_add(
    *,
    organisation: Organisation,
    name: str,
    issuer: str,
    client_id: str,
    client_secret: str,
    discovery: dict[str, Any],
    now: datetime,
    email_domains: str = "",
    link_by_email: bool = False,
    make_learners: bool = False,
    actor: User | None = None,
) -> IdentityProvider:
    """Configure an organisation's provider with its (already fetched) discovery document; audited without
    the secret."""
    if not name.strip() or not client_id.strip():
        raise ProviderProblem("a provider needs a name (for its button) and a client id")
    if IdentityProvider.objects.filter(organisation=organisation, issuer=issuer).exists():
        raise ProviderProblem(f"{organisation.slug} already has a provider with the issuer {issuer}")
    provider = IdentityProvider.objects.create(
        organisation=organisation,
        name=name.strip(),
        issuer=issuer,
        client_id=client_id.strip(),
        client_secret=client_secret,
        discovery=discovery,
        discovered_at=now,
        email_domains=_domains(email_domains),
        link_by_email=link_by_email,
        make_learners=make_learners,
    )
    audit_entry_record(
        actor=actor,
        action="identity_provider.add",
        target_type="identity_provider",
        target_id=provider.pk,
        details={
            "organisation": organisation.slug,
            "issuer": issuer,
            "client_id": provider.client_id,
            "email_domains": provider.email_domains,
            "link_by_email": link_by_email,
            "make_learners": make_learners,
        },
    )
    return provider


@transaction.atomic
def identity_provider_refresh(
    *, provider: IdentityProvider, discovery: dict[str, Any], now: datetime, actor: User | None = None
) -> None:
    """Keep a newly fetched discovery document (the provider moved an endpoint); audited."""
    provider.discovery = discovery
    provider.discovered_at = now
    provider.save(update_fields=["discovery", "discovered_at"])
    audit_entry_record(
        actor=actor,
        action="identity_provider.refresh",
        target_type="identity_provider",
        target_id=provider.pk,
    )


@transaction.atomic
def identity_provider_set_enabled(
    *, provider: IdentityProvider, enabled: bool, actor: User | None = None
) -> None:
    """Turn a provider's sign-in on or off; audited."""
    provider.enabled = enabled
    provider.save(update_fields=["enabled"])
    audit_entry_record(
        actor=actor,
        action="identity_provider.enable" if enabled else "identity_provider.disable",
        target_type="identity_provider",
        target_id=provider.pk,
    )


@transaction.atomic
def identity_link_create(
    *,
    provider: IdentityProvider,
    user: User,
    subject: str,
    made_by: str = IdentityLink.MadeBy.OPERATOR,
    actor: User | None = None,
) -> IdentityLink:
    """Link the provider's person ``subject`` to ``user`` (a member of its organisation); audited."""
    if user.organisation_id != provider.organisation_id:
        raise ProviderProblem(f"{user.username} is not a member of {provider.organisation.slug}")
    if not subject.strip():
        raise ProviderProblem("the person's subject (their provider's 'sub') is empty")
    try:
        with transaction.atomic():
            link = IdentityLink.objects.create(
                provider=provider, user=user, issuer=provider.issuer, subject=subject, made_by=made_by
            )
    except IntegrityError as error:
        raise ProviderProblem(
            f"{user.username} is already linked to {provider.name}, or that subject is linked to someone else"
        ) from error
    audit_entry_record(
        actor=actor,
        action="identity_link.create",
        target_type="user",
        target_id=user.pk,
        details={"provider": provider.pk, "issuer": provider.issuer, "made_by": made_by},
    )
    return link


def providers_for_sign_in() -> list[IdentityProvider]:
    """The enabled providers, for the sign-in page's buttons (one query)."""
    return list(IdentityProvider.objects.filter(enabled=True).only("id", "name").order_by("name", "id"))


# -- who a verified ID token signs in as -------------------------------------------------------------------

NOT_LINKED = gettext_lazy(
    "Your school account is not linked to learnpath. Ask your teacher or your school's learnpath "
    "administrator to link it, then try again."
)
ACCOUNT_OFF = gettext_lazy(
    "Your learnpath account is turned off, so it cannot sign in. Ask your teacher or your school's learnpath "
    "administrator."
)


@dataclass(frozen=True)
class SignIn:
    """Who signs in, and how their link was found (``linked``, ``email`` or ``new_account``)."""

    user: User
    how: str


def _verified_email(provider: IdentityProvider, claims: dict[str, Any]) -> str:
    """The claims' e-mail when the provider verified it (``email_verified`` exactly true) and it is in the
    organisation's domains (when some are set); else ""."""
    email = claims.get("email")
    if claims.get("email_verified") is not True or not isinstance(email, str) or "@" not in email:
        return ""
    domains = provider.email_domains.split()
    if domains and email.rsplit("@", 1)[1].casefold() not in domains:
        return ""
    return email


def _in_domains(provider: IdentityProvider, claims: dict[str, Any]) -> bool:
    return not provider.email_domains or bool(_verified_email(provider, claims))


def _username_new(claims: dict[str, Any]) -> str:
    base = str(claims.get("preferred_username") or claims.get("email") or "").split("@")[0]
    base = slugify(base)[:40] or "learner"
    username = base
    while User.objects.filter(username=username).exists():
        username = f"{base}-{secrets.token_hex(2)}"
    return username


def _display_name(claims: dict[str, Any]) -> str:
    name = claims.get("name") or " ".join(
        str(claims[part]) for part in ("given_name", "family_name") if claims.get(part)
    )
    return str(name).strip()[:150]


@transaction.atomic
def identity_sign_in_resolve(*, provider: IdentityProvider, claims: dict[str, Any], now: datetime) -> SignIn:
    """The learnpath account a verified ID token of ``provider`` signs in as, with its audit rows written.

    A stored link (issuer + ``sub``) decides. Without one: with ``link_by_email``, the one active learner or
    teacher of the organisation whose e-mail equals the token's verified e-mail (in the organisation's
    domains) is linked; with ``make_learners``, a new learner account is made and linked. Otherwise, or
    when the account is turned off or has left the organisation, ``SignInRefused`` and nothing is written.
    """
    issuer, subject = str(claims["iss"]), str(claims["sub"])
    link = (
        IdentityLink.objects.select_related("user")
        .filter(provider=provider, issuer=issuer, subject=subject)
        .first()
    )
    how = "linked"
    if link is None:
        email = _verified_email(provider, claims) if provider.link_by_email else ""
        matches = (
            list(
                User.objects.filter(
                    organisation=provider.organisation,
                    email__iexact=email,
                    role__in=[Role.LEARNER, Role.TEACHER],
                    is_staff=False,
                    is_superuser=False,
                )
                .exclude(identity_links__provider=provider)
                .order_by("id")[:2]
            )
            if email
            else []
        )
        if len(matches) == 1:
            if not matches[0].is_active:
                raise SignInRefused(str(ACCOUNT_OFF))
            link = identity_link_create(
                provider=provider, user=matches[0], subject=subject, made_by=IdentityLink.MadeBy.EMAIL
            )
            how = "email"
        elif provider.make_learners and _in_domains(provider, claims):
            user = user_create(
                username=_username_new(claims),
                password=None,
                role=Role.LEARNER,
                organisation=provider.organisation,
                display_name=_display_name(claims),
            )
            link = identity_link_create(
                provider=provider, user=user, subject=subject, made_by=IdentityLink.MadeBy.NEW_ACCOUNT
            )
            how = "new_account"
        else:
            raise SignInRefused(str(NOT_LINKED), subject=subject)
    user = link.user
    if not user.is_active:
        raise SignInRefused(str(ACCOUNT_OFF))
    if user.organisation_id != provider.organisation_id:
        raise SignInRefused(str(NOT_LINKED))
    link.last_used_at = now
    link.save(update_fields=["last_used_at"])
    audit_entry_record(
        actor=user,
        action="user.sign_in_oidc",
        target_type="user",
        target_id=user.pk,
        details={"provider": provider.pk, "issuer": issuer, "how": how},
    )
    return SignIn(user=user, how=how)
