"""Failed-attempt limits for the secrets people type: passwords, class join codes and guardian codes.

Two kinds, both counting only failures, so a person who gets it right is never held up by their success:

- ``Limit`` (join and guardian codes): after ``attempts`` failures within ``window`` seconds (counted from
  the first failure), further tries in that scope are refused with a plain message until the window ends.
- ``Backoff`` (sign-in, see docs/decisions/0073-sign-in-limits.md): the first ``free`` failures cost
  nothing; each failure from then on makes the next try wait, twice as long each time (``first_wait``,
  doubling, at most ``longest_wait``). A try in the wait is refused and changes nothing; a try after it is
  checked. The count is forgotten ``memory`` seconds after the last failure.

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


@dataclass(frozen=True)
class Backoff:
    scope: str
    free: int  # failures before any wait
    first_wait: int  # seconds, after the failure that uses up the free ones
    longest_wait: int  # seconds
    memory: int  # seconds after the last failure that the count is kept

    def keys(self, who: str) -> tuple[str, str]:
        """The cache keys of ``who``'s failure count and of the time before which tries are refused."""
        digest = hashlib.sha256(who.encode("utf-8", "surrogatepass")).hexdigest()
        base = f"learnpath:backoff:{self.scope}:{digest}"
        return base + ":count", base + ":until"

    def wait(self, failures: int) -> int:
        """Seconds the next try waits after ``failures`` failures."""
        if failures < self.free:
            return 0
        return min(self.longest_wait, self.first_wait * 2 ** min(failures - self.free, 30))


# Sign-in: per network address across usernames (a class behind one school address has room to mistype),
# per account for devices the account does not know, and per account and known device (its own failures).
SIGN_IN_PER_ADDRESS = Backoff("sign-in-address", free=50, first_wait=15, longest_wait=15 * 60, memory=3600)
SIGN_IN_PER_ACCOUNT = Backoff("sign-in-account", free=10, first_wait=30, longest_wait=15 * 60, memory=3600)
SIGN_IN_PER_DEVICE = Backoff("sign-in-device", free=10, first_wait=30, longest_wait=15 * 60, memory=3600)
JOIN_CODE_PER_USER = Limit("join-code", attempts=10, window=15 * 60)
GUARDIAN_CODE_PER_USER = Limit("guardian-code", attempts=10, window=15 * 60)


class Throttled(Exception):
    """Too many failures in a scope; the one-line message says how long to wait (seconds under a minute,
    else minutes, rounded up)."""

    def __init__(self, what: str, seconds_left: float) -> None:
        if seconds_left < 60:
            amount, unit = max(1, math.ceil(seconds_left)), "second"
        else:
            amount, unit = math.ceil(seconds_left / 60), "minute"
        super().__init__(
            f"Too many wrong {what} in a short time. Please wait {amount} "
            f"{unit}{'s' if amount != 1 else ''} and try again."
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


def backoff_check(backoff: Backoff, who: str, what: str) -> None:
    """Raise ``Throttled`` if ``who`` is in a wait in ``backoff``'s scope. Reads only."""
    until = cache.get(backoff.keys(who)[1])
    if until is not None:
        left = float(until) - time.time()
        if left > 0:
            raise Throttled(what, left)


def backoff_failed(backoff: Backoff, who: str) -> None:
    """Count one failure of ``who``; past the free ones, start the (longer) wait for the next try."""
    count_key, until_key = backoff.keys(who)
    if cache.add(count_key, 1, timeout=backoff.memory):
        failures = 1
    else:
        try:
            failures = cache.incr(count_key)
        except ValueError:  # forgotten between add and incr: this failure starts a new count
            cache.add(count_key, 1, timeout=backoff.memory)
            failures = 1
        cache.touch(count_key, timeout=backoff.memory)
    wait = backoff.wait(failures)
    if wait:
        cache.set(until_key, time.time() + wait, timeout=wait + 1)


def backoff_cleared(backoff: Backoff, who: str) -> None:
    """Forget ``who``'s failures and wait in ``backoff``'s scope."""
    cache.delete_many(list(backoff.keys(who)))


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind a proxy (LEARNPATH_BEHIND_PROXY) the last address of
    X-Forwarded-For, the one the proxy itself appended (earlier ones are whatever the client sent)."""
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")[-1].strip()
        if forwarded:
            return forwarded[:100]
    return str(request.META.get("REMOTE_ADDR", ""))
