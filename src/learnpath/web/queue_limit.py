"""Shedding load: a request that waited too long before an app process could take it is refused at once
with ``503`` and ``Retry-After``, instead of being served late.

Under more traffic than the machine can serve, requests queue in front of the workers; measured on 2 cores
(docs/operations.md), 1,000 learners made them wait up to 33 s, long after the learner (or the proxy) had
given up, and every answer behind them waited as long. A request refused here costs a fraction of a
millisecond, so the time goes to requests that can still be answered while someone waits for them.

How long a request waited is known only to what received it first: the reverse proxy stamps the time it
took the request, ``proxy_set_header X-Request-Start "t=${msec}";`` in nginx (the convention of Heroku and
the APM tools: seconds, milliseconds or microseconds since the epoch, with or without ``t=``). The wait is
the time between that stamp and this middleware. Without the header (no proxy, or a proxy that does not
set it) nothing is refused. The proxy must overwrite a header the client sent; a client that forges one
can only get its own requests refused. The proxy and the app need clocks in step (one machine, or NTP).

``LEARNPATH_QUEUE_LIMIT_MS`` (default 2000; 0 turns it off) is the longest wait served. Health checks
and metrics are never refused: an overloaded process is alive, and its metrics say why.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext
from prometheus_client import Counter

RETRY_AFTER_SECONDS = 2
logger = logging.getLogger("learnpath.queue")
NEVER_REFUSED = ("/health", "/metrics")

REQUESTS_SHED = Counter(
    "learnpath_requests_shed",
    "Requests refused with 503 because they had waited longer than LEARNPATH_QUEUE_LIMIT_MS for a worker.",
)


def request_start(header: str) -> float | None:
    """The time (seconds since the epoch) in an ``X-Request-Start`` header, or None if it has none.

    Seconds (``1700000000.123``), milliseconds (13 digits) and microseconds (16 digits) are read, with or
    without a ``t=`` prefix; anything else is ignored."""
    text = header.strip().removeprefix("t=").strip()
    try:
        value = float(text)
    except ValueError:
        return None
    if value != value or value <= 0:  # NaN, zero, negative
        return None
    for scale in (1.0, 1e3, 1e6):
        seconds = value / scale
        if 1e9 <= seconds < 1e10:  # 2001 to 2286
            return seconds
    return None


def queued_ms(request: HttpRequest, now: float) -> float | None:
    """How long the request waited between the proxy and this process, in milliseconds (None: unknown)."""
    started = request_start(request.META.get("HTTP_X_REQUEST_START", ""))
    if started is None:
        return None
    return max(0.0, (now - started) * 1000)


def _refused(request: HttpRequest) -> HttpResponse:
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {
                "detail": gettext(
                    "learnpath is too busy to answer this request now. Send it again in a moment (with "
                    "the same idempotency key for an answer): nothing was recorded."
                ),
                "retry_after": RETRY_AFTER_SECONDS,
            },
            status=503,
        )
    else:
        response = HttpResponse(loader.get_template("503_busy.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class QueueLimitMiddleware:
    """Refuse (503, nothing read, nothing changed) a request that waited over the limit for this process."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.limit_ms = int(settings.LEARNPATH_QUEUE_LIMIT_MS)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.limit_ms and not request.path.startswith(NEVER_REFUSED):
            waited = queued_ms(request, time.time())
            if waited is not None and waited > self.limit_ms:
                REQUESTS_SHED.inc()
                # A warning of ours, not Django's error line for a 5xx: shedding is the server working as
                # configured under overload, not a fault (django.utils.log.log_response skips a response
                # marked as logged).
                logger.warning(
                    "refused after waiting %.0f ms for a worker (limit %d ms)", waited, self.limit_ms
                )
                response = _refused(request)
                response._has_been_logged = True  # type: ignore[attr-defined]
                return response
        return self.get_response(request)
