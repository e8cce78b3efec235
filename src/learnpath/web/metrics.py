"""``GET /metrics``: learnpath's metrics in the Prometheus text format, for the operators' monitoring.

- Request latency and counts by view and method, database and cache timings: django-prometheus's
  middleware (``django_http_requests_latency_seconds_by_view_method`` and the rest).
- Learner events by kind (``learnpath_events_recorded_total``; answers per second is its rate).
- The background worker's queue depth (``learnpath_task_queue_depth``) and the learner-model refits
  (``learnpath_model_fits``, ``learnpath_model_fit_last_seconds``), read from the database when scraped, so
  they are right whichever process ran the task.

Under several app processes (``learnpath serve --workers N``) each process writes its counts to
``PROMETHEUS_MULTIPROC_DIR`` and this page adds them up.

Who may read it: with ``LEARNPATH_METRICS_TOKEN`` set, a request that sends it as
``Authorization: Bearer <token>``; without it, only a request made on this machine directly (from a
loopback address, with no ``X-Forwarded-For``: not one relayed by a proxy). Anyone else gets 404.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Iterator

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector


class DatabaseCollector(Collector):
    """Metrics read from the database at scrape time (a few cheap queries)."""

    def collect(self) -> Iterator[Metric]:
        from django_q.models import OrmQ

        from learnpath.web.learning.api import fit_timings

        queue = GaugeMetricFamily(
            "learnpath_task_queue_depth", "Background tasks queued and not yet taken by a worker."
        )
        queue.add_metric([], OrmQ.objects.count())
        yield queue
        fits = GaugeMetricFamily(
            "learnpath_model_fits", "Learner-model fits stored for the course.", labels=["course"]
        )
        last = GaugeMetricFamily(
            "learnpath_model_fit_last_seconds",
            "Wall-clock seconds the course's last fit took.",
            labels=["course"],
        )
        total = GaugeMetricFamily(
            "learnpath_model_fit_seconds_total",
            "Wall-clock seconds of all the course's fits.",
            labels=["course"],
        )
        for timing in fit_timings():
            fits.add_metric([timing.course_id], timing.fits)
            last.add_metric([timing.course_id], timing.last_seconds)
            total.add_metric([timing.course_id], timing.total_seconds)
        yield fits
        yield last
        yield total


def _allowed(request: HttpRequest) -> bool:
    token = str(getattr(settings, "LEARNPATH_METRICS_TOKEN", "") or "")
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    if "X-Forwarded-For" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        raise Http404
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)  # type: ignore[no-untyped-call]
        body = generate_latest(processes)
    else:
        body = generate_latest(REGISTRY)
    return HttpResponse(body + generate_latest(_database_registry()), content_type=CONTENT_TYPE_LATEST)


def _database_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(DatabaseCollector())
    return registry
