"""Liveness and readiness, for load balancers, orchestrators and monitors.

- ``GET /health/live`` (liveness): the process answers. It reads nothing, so a database outage does not
  make an orchestrator restart healthy app processes; it is also the trivial view the load benchmark
  compares every page with.
- ``GET /health``: the process answers and reaches its database (what load balancers have always used).
- ``GET /health/ready`` (readiness): also, every migration is applied and every course's model is built, so
  the first learner of a course does not wait for it. ``learnpath serve`` builds the models before it
  listens; under another server the first readiness check starts building them in the background and
  answers 503 until they are built.
"""

from __future__ import annotations

import logging
import threading

from django.db import DatabaseError, connection, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from learnpath import __version__

logger = logging.getLogger(__name__)

_state_lock = threading.Lock()
_models_ready = False
_warming: threading.Thread | None = None
_migrations_done = False


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


def ready_mark() -> None:
    """Record that this process has built every course's model (``learnpath serve`` calls it after warming;
    worker processes forked from it inherit the mark with the models)."""
    global _models_ready
    _models_ready = True


def _warm_in_background() -> None:
    from learnpath.web.learning.api import course_models_warm

    global _warming
    try:
        course_models_warm()
        ready_mark()
    except Exception:  # a readiness check must report, not crash; the next check tries again
        logger.exception("building the course models failed")
    finally:
        connections.close_all()
        with _state_lock:
            _warming = None


def _models_problem() -> str | None:
    global _warming
    if _models_ready:
        return None
    with _state_lock:
        if _warming is None:
            _warming = threading.Thread(target=_warm_in_background, name="learnpath-warm", daemon=True)
            _warming.start()
    return "course models are being built"


def _migrations_problem() -> str | None:
    """Pending migrations, named; checked until there are none (then never again in this process)."""
    global _migrations_done
    if _migrations_done:
        return None
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        return f"{len(pending)} migrations not applied (run `learnpath serve` or `learnpath check`)"
    _migrations_done = True
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


@require_GET
@never_cache
def live(request: HttpRequest) -> JsonResponse:
    """200 ``{"status": "alive"}`` while the process can answer at all."""
    return JsonResponse({"status": "alive", "version": __version__})


@require_GET
@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    """200 ``{"status": "ready"}`` when this process may take traffic, else 503 with every reason."""
    problem = database_problem()
    reasons = [problem] if problem else [r for r in (_migrations_problem(), _models_problem()) if r]
    if reasons:
        return JsonResponse({"status": "not ready", "reasons": reasons, "version": __version__}, status=503)
    return JsonResponse({"status": "ready", "version": __version__})
