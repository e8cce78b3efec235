"""Failed-attempt limits for the secrets people type: passwords, class join codes and guardian codes.

A join code or a guardian code is short enough to type, so guessing must be slow: after ``attempts``
failures within ``window`` seconds (counted from the first failure), further tries in that scope are
refused with a plain message until the window ends. Only failures count, so a person who gets it right
is never held up by their own success; a successful sign-in clears its account's count.

Counts live in Django's cache (settings.CACHES): one process's memory by default, which is what
`learnpath serve` runs (one process, many threads; the cache is thread-safe). A deployment with several
processes points CACHES at a shared cache. Keys are hashed, so hostile usernames cannot shape them.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest


@dataclass(frozen=True)
class Limit:
    scope: str
    attempts: int
    window: int  # seconds

    def keys(self, who: str) -> tuple[str, str]:
        """The cache keys of ``who``'s failure count and of when its window started."""
        digest = hashlib.sha256(who.encode("utf-8", "surrogatepass")).hexdigest()
        base = f"learnpath:throttle:{self.scope}:{digest}"
        return base + ":count", base + ":since"


SIGN_IN_PER_ACCOUNT = Limit("sign-in-account", attempts=10, window=15 * 60)
SIGN_IN_PER_ADDRESS = Limit("sign-in-address", attempts=50, window=15 * 60)
JOIN_CODE_PER_USER = Limit("join-code", attempts=10, window=15 * 60)
GUARDIAN_CODE_PER_USER = Limit("guardian-code", attempts=10, window=15 * 60)


class Throttled(Exception):
    """Too many failures in a scope; the message says for how long, in minutes."""

    def __init__(self, what: str, seconds_left: float) -> None:
        minutes = max(1, math.ceil(seconds_left / 60))
        super().__init__(
            f"Too many wrong {what} in a short time. Please wait {minutes} "
            f"minute{'s' if minutes != 1 else ''} and try again."
        )
        self.seconds_left = seconds_left


def check(limit: Limit, who: str, what: str) -> None:
    """Raise ``Throttled`` if ``who`` has used up ``limit``'s failures in the current window."""
    count_key, since_key = limit.keys(who)
    if cache.get(count_key, 0) < limit.attempts:
        return
    since = cache.get(since_key)
    left = limit.window if since is None else since + limit.window - time.time()
    raise Throttled(what, max(left, 1.0))


def held(request: HttpRequest, limit: Limit, who: str, what: str) -> bool:
    """For a page that reports through messages: True (with the wait as an error message) if ``who``
    has used up ``limit``'s failures, so the caller stops before checking the secret."""
    try:
        check(limit, who, what)
    except Throttled as error:
        messages.error(request, str(error))
        return True
    return False


def failed(limit: Limit, who: str) -> None:
    """Count one failure of ``who`` in ``limit``'s scope. The window starts at the first failure and the
    count expires with it; ``add`` and ``incr`` are atomic, so parallel failures all count."""
    count_key, since_key = limit.keys(who)
    if cache.add(count_key, 1, timeout=limit.window):
        cache.set(since_key, time.time(), timeout=limit.window)
        return
    try:
        cache.incr(count_key)
    except ValueError:  # the window ended between add and incr: this failure opens a new one
        cache.add(count_key, 1, timeout=limit.window)
        cache.set(since_key, time.time(), timeout=limit.window)


def cleared(limit: Limit, who: str) -> None:
    """Forget ``who``'s failures in ``limit``'s scope (after a success where that makes sense)."""
    cache.delete_many(list(limit.keys(who)))


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind a proxy (LEARNPATH_BEHIND_PROXY) the last address of
    X-Forwarded-For, the one the proxy itself appended (earlier ones are whatever the client sent)."""
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")[-1].strip()
        if forwarded:
            return forwarded[:100]
    return str(request.META.get("REMOTE_ADDR", ""))
