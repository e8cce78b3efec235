"""Known devices: a signed, long-lived cookie set after a successful sign-in, so that a correct password
from a device the account has used before passes the account's failed-attempt back-off (see
docs/decisions/0073-sign-in-limits.md).

The cookie holds, for each of the last few accounts signed in on the device, a keyed digest of the account
(never its username) and a random device id; it is signed with django.core.signing under its own salt, so
it cannot be made or altered without SECRET_KEY. It grants nothing by itself: the password is always
checked. HttpOnly, SameSite=Lax, Secure when the session cookie is.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

COOKIE = "learnpath_device"
SALT = "learnpath.accounts.known-device"
MAX_AGE = 180 * 24 * 3600  # renewed at each sign-in on the device
MOST_ACCOUNTS = 10  # accounts remembered per device (a shared classroom computer), the latest kept


def _account_digest(account: str) -> str:
    return salted_hmac(SALT, account).hexdigest()[:32]


def _entries(request: HttpRequest) -> list[tuple[str, str]]:
    raw = request.COOKIES.get(COOKIE)
    if not raw:
        return []
    try:
        value = signing.loads(raw, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return []
    if not isinstance(value, list):
        return []
    return [
        (str(entry[0]), str(entry[1]))
        for entry in value[-MOST_ACCOUNTS:]
        if isinstance(entry, list) and len(entry) == 2
    ]


def known_device_id(request: HttpRequest, *, account: str) -> str | None:
    """This device's id for ``account`` (a normalised username) if it has signed in to it before."""
    digest = _account_digest(account)
    for entry_digest, device_id in _entries(request):
        if secrets.compare_digest(entry_digest, digest):
            return device_id
    return None


def known_device_remember(request: HttpRequest, response: HttpResponse, *, account: str) -> None:
    """After a successful sign-in to ``account``: set (or renew) the cookie naming it, same device id."""
    digest = _account_digest(account)
    entries = _entries(request)
    device_id = next((d for a, d in entries if a == digest), None) or secrets.token_urlsafe(12)
    kept = [[a, d] for a, d in entries if a != digest][-(MOST_ACCOUNTS - 1) :]
    response.set_cookie(
        COOKIE,
        signing.dumps([*kept, [digest, device_id]], salt=SALT),
        max_age=MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
