"""API tokens: how another system (a school's SIS, a script, a dashboard) uses the REST API without a
browser session (docs/decisions/0084-api-tokens.md).

A token is ``lp_<key>_<secret>``: ``key`` (12 characters) names it in lists and logs, ``secret`` (43
characters, 256 random bits) proves it. Only the SHA-256 digest of the secret is stored, so a copy of the
database holds no working token; a slow hash adds nothing against 256 random bits. A token

- acts as the person who made it, with their access and no more: every endpoint runs its usual checks;
- carries **scopes**, one area of the API and read or write (``learning:write``): a request outside them is
  refused with 403 and the scope it needs;
- **expires** (30, 90 or 365 days) and can be **revoked** at once; both refuse it with 401;
- stops working when its person can no longer sign in (deactivated or deleted).

Teachers and administrators make tokens, at /accounts/tokens/ after their second factor; learners and
guardians have none (a learner's data leaves only through their teachers' and their own pages).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from learnpath.web.accounts import services
from learnpath.web.accounts.access import access_is_teacher
from learnpath.web.accounts.models import ApiToken

PREFIX = "lp"
KEY_CHARACTERS = 12
TOKEN_PATTERN = re.compile(r"^lp_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$")
LIFETIMES_DAYS = (30, 90, 365)
DEFAULT_LIFETIME_DAYS = 90
MAX_TOKENS = 20
"""Live tokens a person may hold at once: one per system they connect, with room to rotate."""
LAST_USED_EVERY = timedelta(minutes=1)
"""``last_used_at`` is written at most this often per token: not one write per request."""

SCOPES: dict[str, Any] = {
    "courses:read": gettext_lazy("Read the courses and skills you can see (/api/courses)"),
    "coaching:read": gettext_lazy("Read your classes' cockpits (/api/coaching)"),
    "learning:read": gettext_lazy("Read your own practice: skill map and next activity (/api/learning)"),
    "learning:write": gettext_lazy("Practise as you: start, answer, hints, choices (/api/learning)"),
    "placement:read": gettext_lazy("Read your own placement (/api/placement)"),
    "placement:write": gettext_lazy("Take a placement as you (/api/placement)"),
}
"""Each area of the API (the first part of the path after /api/), for reading (GET, HEAD) or writing."""


class TokenRefused(Exception):
    """A token that is malformed, unknown, revoked or expired, or whose person cannot sign in (401)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ScopeRefused(Exception):
    """A valid token used outside its scopes (403)."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__(
            f"This API token does not have the scope {scope!r}, which this request needs. Make a token "
            "with it at /accounts/tokens/ (and revoke the old one)."
        )


class TokenProblem(ValueError):
    """Why a token could not be made, in words for the person making it."""


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str
    """The whole token, ``lp_<key>_<secret>``: shown once, never stored."""


def may_have_tokens(user: Any) -> bool:
    """Teachers and administrators (and platform administrators) make API tokens."""
    return access_is_teacher(user)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def scope_needed(path: str, method: str) -> str | None:
    """The scope a request to the API needs: ``<area>:read`` for GET and HEAD, ``<area>:write`` otherwise
    (None: a path outside any area, such as the API's root)."""
    parts = path.split("/")
    if len(parts) < 3 or parts[1] != "api" or not parts[2]:
        return None
    return f"{parts[2]}:{'read' if method.upper() in ('GET', 'HEAD', 'OPTIONS') else 'write'}"


def token_create(*, user: Any, name: str, scopes: list[str], days: int, now: datetime) -> NewToken:
    """A new token for ``user`` (audited). Raises ``TokenProblem`` (nothing made) for a person who may not
    have tokens, a missing name, no or unknown scopes, a lifetime not offered, or too many live tokens."""
    if not may_have_tokens(user):
        raise TokenProblem(gettext("Only teachers and administrators make API tokens."))
    name = " ".join(name.split())
    if not name:
        raise TokenProblem(gettext("Give the token a name: the system or script that will use it."))
    if len(name) > 100:
        raise TokenProblem(gettext("The name is too long: 100 characters at most."))
    chosen = sorted(set(scopes))
    unknown = [scope for scope in chosen if scope not in SCOPES]
    if unknown:
        raise TokenProblem(gettext("Unknown scope: %(scopes)s.") % {"scopes": ", ".join(unknown)})
    if not chosen:
        raise TokenProblem(gettext("Choose at least one thing the token may do."))
    if days not in LIFETIMES_DAYS:
        raise TokenProblem(gettext("Choose how long the token works: 30, 90 or 365 days."))
    with transaction.atomic():
        live = ApiToken.objects.select_for_update().filter(
            user=user, revoked_at__isnull=True, expires_at__gt=now
        )
        if live.count() >= MAX_TOKENS:
            raise TokenProblem(
                gettext("You have %(count)d working tokens, the most there can be: revoke one first.")
                % {"count": MAX_TOKENS}
            )
        key = secrets.token_hex(KEY_CHARACTERS // 2)
        secret = secrets.token_urlsafe(32)
        token = ApiToken.objects.create(
            user=user,
            name=name,
            key=key,
            secret_digest=_digest(secret),
            scopes=chosen,
            expires_at=now + timedelta(days=days),
        )
        services.audit_entry_record(
            actor=user,
            action="api_token.create",
            target_type="api_token",
            target_id=token.pk,
            details={"key": key, "name": name, "scopes": chosen, "days": days},
        )
    return NewToken(token, f"{PREFIX}_{key}_{secret}")


def token_authenticate(raw: str, *, now: datetime) -> ApiToken:
    """The live token ``raw`` is, with its user; ``TokenRefused`` with the reason otherwise. The secret is
    compared in constant time; the reasons say what to do, never whether a key exists with another
    secret."""
    match = TOKEN_PATTERN.match(raw.strip())
    if match is None:
        raise TokenRefused(
            "The Authorization header does not hold a learnpath API token (Bearer lp_<key>_<secret>). "
            "Copy the whole token shown when it was made."
        )
    key, secret = match.groups()
    token = ApiToken.objects.select_related("user").filter(key=key).first()
    if token is None or not hmac.compare_digest(token.secret_digest, _digest(secret)):
        raise TokenRefused("This API token is not known. Check that it was copied whole, or make a new one.")
    if token.revoked_at is not None:
        raise TokenRefused("This API token was revoked. Make a new one at /accounts/tokens/.")
    if token.expires_at <= now:
        raise TokenRefused("This API token has expired. Make a new one at /accounts/tokens/.")
    if not token.user.is_active:
        raise TokenRefused("The account this API token belongs to cannot sign in any more.")
    if not may_have_tokens(token.user):
        raise TokenRefused("The account this API token belongs to may no longer use API tokens.")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def token_check_scope(token: ApiToken, *, path: str, method: str) -> None:
    """Raise ``ScopeRefused`` unless the token's scopes cover this request."""
    needed = scope_needed(path, method)
    if needed is not None and needed not in token.scopes:
        raise ScopeRefused(needed)


def token_revoke(*, user: Any, token_id: int, now: datetime) -> bool:
    """Revoke one of ``user``'s tokens (audited); False if they have no such token or it was revoked."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id, user=user).first()
        if token is None or token.revoked_at is not None:
            return False
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        services.audit_entry_record(
            actor=user,
            action="api_token.revoke",
            target_type="api_token",
            target_id=token.pk,
            details={"key": token.key, "name": token.name},
        )
    return True


def tokens_of(*, user: Any) -> list[ApiToken]:
    """The person's tokens, newest first, revoked and expired ones included."""
    return list(ApiToken.objects.filter(user=user))
