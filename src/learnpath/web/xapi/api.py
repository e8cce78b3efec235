"""What other apps and the CLI may use from xapi: plain functions returning plain data (OEP-49)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from learnpath.web.xapi import privacy as privacy_provider
from learnpath.web.xapi.consent import ConsentSource, consent_source_set
from learnpath.web.xapi.delivery import DeliveryReport, deliver, resume

__all__ = [
    "ConsentSource",
    "DeliveryReport",
    "DeliveryStatus",
    "consent_source_set",
    "deliver",
    "delivery_status",
    "privacy_provider",
    "resume",
    "schedule_ensure",
]


@dataclass(frozen=True)
class DeliveryStatus:
    """Where delivery to the configured LRS stands, for operators (``learnpath xapi status``)."""

    on: bool
    endpoint: str
    problem: str
    last_event_id: int
    newest_event_id: int
    backlog: int
    statements_sent: int
    attempts: int
    next_attempt_at: datetime | None
    stopped_at_event_id: int | None
    last_error: str
    last_error_at: datetime | None
    last_success_at: datetime | None


def delivery_status() -> DeliveryStatus:
    """The cursor of the configured LRS, the events still to read (``backlog``), the last error. Reads
    only; counts the backlog with one query on the log's primary key."""
    from learnpath.web.learning import api as learning_api
    from learnpath.web.xapi.config import NotConfigured, xapi_config
    from learnpath.web.xapi.models import LrsCursor

    try:
        config = xapi_config()
        problem = ""
    except NotConfigured as error:
        config, problem = None, str(error)
    endpoint = config.endpoint if config is not None else ""
    cursor = LrsCursor.objects.filter(endpoint=endpoint).first() if endpoint else None
    last = cursor.last_event_id if cursor is not None else 0
    newest = learning_api.newest_event_id()
    return DeliveryStatus(
        on=config is not None,
        endpoint=endpoint,
        problem=problem,
        last_event_id=last,
        newest_event_id=newest,
        backlog=learning_api.events_count_after(after_id=last) if endpoint else 0,
        statements_sent=cursor.statements_sent if cursor else 0,
        attempts=cursor.attempts if cursor else 0,
        next_attempt_at=cursor.next_attempt_at if cursor else None,
        stopped_at_event_id=cursor.stopped_at_event_id if cursor else None,
        last_error=cursor.last_error if cursor else "",
        last_error_at=cursor.last_error_at if cursor else None,
        last_success_at=cursor.last_success_at if cursor else None,
    )


def schedule_ensure() -> None:
    """Create (delivery on) or remove (off) the worker's every-minute delivery schedule."""
    from learnpath.web.xapi.tasks import xapi_schedule_ensure

    xapi_schedule_ensure()
