"""What the learner loop counts for the operators' metrics (``/metrics``, Prometheus format).

Counted when the transaction that wrote the event commits, so a rolled-back request counts nothing.
Under several app processes the counts live in ``PROMETHEUS_MULTIPROC_DIR`` (``learnpath serve`` sets it)
and ``/metrics`` adds them up.
"""

from __future__ import annotations

from prometheus_client import Counter

EVENTS_RECORDED = Counter(
    "learnpath_events_recorded",
    "Learner events appended to the event log, by kind (answer, hint, skip, start, ...).",
    ["kind"],
)


def event_counted(kind: str) -> None:
    EVENTS_RECORDED.labels(kind=kind).inc()
