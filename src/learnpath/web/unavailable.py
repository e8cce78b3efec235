"""The answer when the database cannot be reached: ``503 Service Unavailable`` with ``Retry-After``, as JSON
under ``/api/`` and as a short page elsewhere, instead of the generic server-error page.

A PostgreSQL restart, a failover or a full connection pool is a moment to wait, not a bug: clients (the
practice page, integrations, a load balancer) retry after ``Retry-After`` with the same idempotency key,
and nothing they were told was saved is lost. Django calls ``handler500`` inside the ``except`` block of
the request, so the error is ``sys.exc_info()``. The 503 page is rendered without a request: its context
processors would read the database that is down.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext
from django.views import defaults

RETRY_AFTER_SECONDS = 5
"""Long enough for a PostgreSQL restart or a pooler's reconnect; short enough for a learner to wait."""


def database_unreachable(error: BaseException | None) -> bool:
    """True for the errors of a database that cannot be reached or used right now (connection refused or
    dropped, a server shutting down, a locked SQLite file), as opposed to a bug in a query."""
    return isinstance(error, OperationalError | InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a 503 when the database is unreachable, Django's 500 page otherwise."""
    if database_unreachable(sys.exc_info()[1]):
        return unavailable_response(request)
    return defaults.server_error(request)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {
                "detail": gettext(
                    "learnpath cannot reach its database right now. Send the request again in a few seconds "
                    "with the same idempotency key: if it was recorded, the first result comes back, and "
                    "nothing is recorded twice."
                ),
                "retry_after": RETRY_AFTER_SECONDS,
            },
            status=503,
        )
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
