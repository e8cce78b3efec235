"""Signing in with the school's identity provider over OpenID Connect (docs/decisions/0092-oidc-sign-in.md).

The Authorization Code flow (OpenID Connect Core 1.0, §3.1) with PKCE (RFC 7636, S256), ``state`` and
``nonce``, done by Authlib's Django client; its ID token checks run on joserfc:

1. ``oidc_start`` (the sign-in page's "Sign in with <school>" link) makes a fresh state, nonce and PKCE
   verifier, keeps them in this browser's session for ten minutes, and sends the browser to the provider.
2. ``oidc_callback`` (the one redirect URI every provider registers) takes the state back out of the session
   (once: a second use of the same answer is refused), exchanges the code at the provider's token endpoint
   with the verifier and the client secret, and verifies the ID token: signed with RS256 or ES256 by a key of
   the provider's JWKS (fetched again once for an unknown ``kid``; ``none`` and HMAC are refused), issued by
   the configured issuer, for this client id, not expired, with this sign-in's nonce.
3. ``identity_providers.identity_sign_in_resolve`` decides who that is (a stored link only; decision 0092),
   writing the link and the sign-in's audit rows; then the session signs in and a member of staff with an
   authenticator app owes their code, as after a password (decision 0080: the provider's ``amr`` is not
   trusted in its place).

Every refusal is a page with one plain sentence, nothing written but the session's spent state; failures
are logged without codes, tokens, secrets or the person's identifiers, and count against a per-address limit.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.django_client.apps import DjangoOAuth2App
from authlib.integrations.django_client.integration import DjangoIntegration
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME, login
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
    MissingAlgorithmError,
    UnsupportedAlgorithmError,
)

from learnpath.web import throttle
from learnpath.web.accounts.identity_providers import (
    HTTP_TIMEOUT_S,
    SCOPES,
    SIGNING_ALGORITHMS,
    SignInRefused,
    identity_sign_in_resolve,
)
from learnpath.web.accounts.models import IdentityProvider
from learnpath.web.accounts.second_factor import second_factor_signed_in

logger = logging.getLogger(__name__)

PENDING_SESSION_KEY = "learnpath:oidc-pending"  # state → what its callback needs
PENDING_SECONDS = 10 * 60
MOST_PENDING = 5  # sign-ins started in other tabs that may still come back
JWKS_CACHE_SECONDS = 60 * 60
CLOCK_LEEWAY_S = 60
METADATA_USED = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "id_token_signing_alg_values_supported",
    "token_endpoint_auth_methods_supported",
)
# Failed answers per network address (a school behind one address signs in often, and its answers almost
# never fail): each callback may make learnpath call the provider, so guessing codes is held here. A person
# the provider signed in but learnpath does not let in is not counted: a class not linked yet, trying
# together, must not lock its school out.
OIDC_PER_ADDRESS = throttle.Limit("oidc-address", attempts=30, window=15 * 60)

STATE_REFUSED = gettext_lazy(
    "This sign-in has expired, was already used, or was started in another browser. Start again with the "
    "button on the sign-in page."
)
PROVIDER_REFUSED = gettext_lazy(
    "Your school's sign-in service did not sign you in (it said: %(error)s). Try again; if it happens again, "
    "tell your school's learnpath administrator."
)
PROVIDER_UNREACHABLE = gettext_lazy(
    "learnpath could not reach your school's sign-in service. Try again in a minute; if it happens again, "
    "tell your school's learnpath administrator."
)
TOKEN_REFUSED = gettext_lazy(
    "Your school's sign-in service sent an answer learnpath cannot trust (%(reason)s), so you were not "
    "signed in. Tell your school's learnpath administrator."
)


class Refused(Exception):
    """A sign-in that must stop here: ``message`` for the person, ``reason`` for the log, HTTP ``status``."""

    def __init__(self, message: str, *, reason: str, status: int = 400, subject: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.status = status
        self.subject = subject  # the person's id at the provider, for their administrator to link


def _token_reason(error: Exception) -> tuple[str, str]:
    """What was wrong with the ID token: (words for the person, a code for the log)."""
    if isinstance(error, InvalidKeyIdError):
        return gettext("it is signed with a key the service does not publish"), "unknown-key"
    if isinstance(error, UnsupportedAlgorithmError | MissingAlgorithmError):
        return gettext("it is signed in a way learnpath does not accept"), "algorithm"
    if isinstance(error, BadSignatureError):
        return gettext("its signature does not match the service's keys"), "signature"
    if isinstance(error, ExpiredTokenError):
        return gettext("it has expired"), "expired"
    if isinstance(error, ClaimError):
        claim = error.claim
        if claim == "iss":
            return gettext("another issuer made it"), "issuer"
        if claim in ("aud", "azp"):
            return gettext("it was made for another application"), "audience"
        if claim == "nonce":
            return gettext("it was not made for this sign-in"), "nonce"
        return gettext("its claim %(claim)s is not right") % {"claim": claim[:40]}, f"claim-{claim[:40]}"
    return gettext("it cannot be read"), "unreadable"


def _jwks_cache_key(provider: IdentityProvider) -> str:
    uri = str(provider.discovery.get("jwks_uri", ""))
    return "learnpath:oidc-jwks:" + hashlib.sha256(uri.encode()).hexdigest()[:32]


def oidc_client(provider: IdentityProvider) -> DjangoOAuth2App:
    """Authlib's client for ``provider``, from its stored discovery document: PKCE with S256, the scopes
    learnpath asks for, RS256/ES256 only, the cached JWKS (Authlib fetches it again for an unknown key)."""
    # Only the entries the flow reads: the rest of a discovery document never reaches Authlib's arguments.
    metadata = {key: provider.discovery[key] for key in METADATA_USED if key in provider.discovery}
    offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    # Never empty: an empty list would let the JOSE library fall back to its own default algorithms.
    accepted = [a for a in SIGNING_ALGORITHMS if a in offered] or ["RS256"]
    metadata["id_token_signing_alg_values_supported"] = accepted
    jwks = cache.get(_jwks_cache_key(provider))
    if isinstance(jwks, dict):
        metadata["jwks"] = jwks
    methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    auth_method = "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
    name = "learnpath-oidc"
    return DjangoOAuth2App(
        DjangoIntegration(name),
        name=name,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        client_kwargs={
            "scope": SCOPES,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": auth_method,
            "default_timeout": HTTP_TIMEOUT_S,
        },
        **metadata,
    )


def _safe_next(request: HttpRequest, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@require_GET
def oidc_start(request: HttpRequest, provider_id: int) -> HttpResponse:
    """Send the browser to the provider's sign-in page, with a fresh state, nonce and PKCE challenge."""
    provider = IdentityProvider.objects.filter(pk=provider_id, enabled=True).first()
    if provider is None:
        raise Http404("There is no such school sign-in.")
    redirect_uri = request.build_absolute_uri(reverse("accounts:oidc-callback"))
    try:
        made = oidc_client(provider).create_authorization_url(redirect_uri)
    except (RuntimeError, ValueError) as error:
        logger.warning("oidc start failed for provider %s: %s", provider.pk, type(error).__name__)
        return _refused(request, Refused(str(PROVIDER_UNREACHABLE), reason="start", status=502))
    pending = {
        state: data
        for state, data in dict(request.session.get(PENDING_SESSION_KEY) or {}).items()
        if isinstance(data, dict) and data.get("expires", 0) > time.time()
    }
    kept = sorted(pending.items(), key=lambda item: item[1]["expires"])[-(MOST_PENDING - 1) :]
    request.session[PENDING_SESSION_KEY] = {
        **dict(kept),
        made["state"]: {
            "provider": provider.pk,
            "nonce": made["nonce"],
            "code_verifier": made["code_verifier"],
            "redirect_uri": redirect_uri,
            "next": _safe_next(request, str(request.GET.get(REDIRECT_FIELD_NAME, ""))),
            "expires": time.time() + PENDING_SECONDS,
        },
    }
    return HttpResponseRedirect(made["url"])


def _pending_take(request: HttpRequest, state: str) -> dict[str, Any] | None:
    """This browser's sign-in started with ``state``, taken out of the session (it works once)."""
    pending = dict(request.session.get(PENDING_SESSION_KEY) or {})
    data = pending.pop(state, None) if state else None
    if data is not None:
        request.session[PENDING_SESSION_KEY] = pending
    if not isinstance(data, dict) or data.get("expires", 0) <= time.time():
        return None
    return data


def _verified_claims(
    request: HttpRequest, provider: IdentityProvider, pending: dict[str, Any]
) -> dict[str, Any]:
    """Exchange the code and verify the ID token; the claims, or ``Refused``."""
    error = request.GET.get("error")
    if error:
        described = str(request.GET.get("error_description") or error)[:200]
        raise Refused(str(PROVIDER_REFUSED) % {"error": described}, reason=f"provider-{error[:40]}")
    code = request.GET.get("code")
    if not code:
        raise Refused(str(PROVIDER_REFUSED) % {"error": "no code"}, reason="no-code")
    client = oidc_client(provider)
    try:
        token = client.fetch_access_token(
            redirect_uri=pending["redirect_uri"], code=code, code_verifier=pending["code_verifier"]
        )
    except OAuthError as refused:
        raise Refused(
            str(PROVIDER_REFUSED) % {"error": str(refused.error or "error")[:80]},
            reason=f"token-{str(refused.error)[:40]}",
        ) from refused
    except (requests.RequestException, ValueError) as failed:
        raise Refused(str(PROVIDER_UNREACHABLE), reason="token-unreachable", status=502) from failed
    if "id_token" not in token:
        raise Refused(str(TOKEN_REFUSED) % {"reason": gettext("it has no ID token")}, reason="no-id-token")
    options = {
        "iss": {"essential": True, "value": provider.issuer},
        "aud": {"essential": True, "value": provider.client_id},
        "sub": {"essential": True},
        "exp": {"essential": True},
    }
    try:
        claims = client.parse_id_token(
            token, nonce=pending["nonce"], claims_options=options, leeway=CLOCK_LEEWAY_S
        )
    except (JoseError, ValueError, KeyError, TypeError) as wrong:
        words, reason = _token_reason(wrong)
        raise Refused(str(TOKEN_REFUSED) % {"reason": words}, reason=f"id-token-{reason}") from wrong
    except requests.RequestException as failed:
        raise Refused(str(PROVIDER_UNREACHABLE), reason="jwks-unreachable", status=502) from failed
    finally:
        jwks = client.server_metadata.get("jwks")
        if isinstance(jwks, dict):
            cache.set(_jwks_cache_key(provider), jwks, timeout=JWKS_CACHE_SECONDS)
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:  # OpenID Connect Core §2
        raise Refused(str(TOKEN_REFUSED) % {"reason": gettext("its claim sub is not right")}, reason="sub")
    return dict(claims)


@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    """The provider sends the browser back here (the redirect URI): verify, decide who it is, sign in."""
    address = throttle.client_address(request)
    try:
        throttle.check(OIDC_PER_ADDRESS, address, "school sign-ins")
    except throttle.Throttled as error:
        return _refused(request, Refused(str(error), reason="throttled", status=429))
    pending = _pending_take(request, str(request.GET.get("state", "")))
    try:
        if pending is None:
            raise Refused(str(STATE_REFUSED), reason="state")
        provider = IdentityProvider.objects.filter(pk=pending["provider"], enabled=True).first()
        if provider is None:
            raise Refused(str(STATE_REFUSED), reason="provider-gone")
        claims = _verified_claims(request, provider, pending)
        try:
            signed_in = identity_sign_in_resolve(provider=provider, claims=claims, now=timezone.now())
        except SignInRefused as refused:
            raise Refused(
                str(refused), reason="not-allowed", status=403, subject=refused.subject
            ) from refused
    except Refused as refused:
        if refused.reason != "not-allowed":  # a real sign-in of someone not let in is no guess
            throttle.failed(OIDC_PER_ADDRESS, address)
        logger.info(
            "oidc sign-in refused from %s (provider %s): %s",
            address,
            pending.get("provider") if pending else "?",
            refused.reason,
        )
        return _refused(request, refused)
    login(request, signed_in.user, backend="django.contrib.auth.backends.ModelBackend")
    second_factor_signed_in(request)  # staff with an app owe a code next (decision 0080)
    logger.info("oidc sign-in of user %s (provider %s, %s)", signed_in.user.pk, provider.pk, signed_in.how)
    return HttpResponseRedirect(pending["next"])


def _refused(request: HttpRequest, refused: Refused) -> HttpResponse:
    context = {"message": refused.message, "subject": refused.subject}
    return render(request, "accounts/oidc_refused.html", context, status=refused.status)
