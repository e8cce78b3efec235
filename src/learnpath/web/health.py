"""GET /health: is the app up and can it reach its database? For load balancers and monitors."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from learnpath import __version__

logger = logging.getLogger(__name__)


def database_problem() -> str | None:
    """None when a trivial query succeeds, else a short reason."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("health check: database unreachable: %s", error)
        return f"database unreachable: {type(error).__name__}"
    return None


@require_GET
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """200 with ``{"status": "ok", "database": "ok", "version": ...}``, or 503 with the reason."""
    problem = database_problem()
    if problem is not None:
        return JsonResponse(
            {"status": "error", "database": "unreachable", "reason": problem, "version": __version__},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok", "version": __version__})
