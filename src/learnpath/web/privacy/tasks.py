"""The privacy app's background job, run by the worker (``learnpath worker``, django-q2): retention windows,
and finishing deletions a crash stopped."""

from __future__ import annotations

from django.utils import timezone

from learnpath.web.privacy import services
from learnpath.web.schedules import schedule_ensure

RETENTION_SCHEDULE = "learnpath: retention windows and unfinished deletions"


def retention_run() -> str:
    """Finish stopped deletions, then apply every organisation's retention windows; a line per change."""
    now = timezone.now()
    lines = [f"deletion {pk} finished" for pk in services.deletions_resume(now=now)]
    for report in services.retention_apply(now=now):
        lines.append(
            f"organisation {report.organisation_id}: {report.events} events, {report.uploads} uploads, "
            f"{report.audit} audit rows deleted"
        )
    return "\n".join(lines) or "no organisation has a retention window"


def retention_schedule_ensure(*, every_hours: int = 24) -> None:
    """Create or update the worker's schedule that runs ``retention_run`` every ``every_hours``."""
    schedule_ensure(name=RETENTION_SCHEDULE, func=f"{__name__}.retention_run", every_minutes=every_hours * 60)
