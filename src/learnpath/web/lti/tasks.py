"""The LTI app's background work, run by the worker (``learnpath worker``, django-q2): grades owed to LMS
gradebooks, class rosters read from them, and spent nonces forgotten."""

from __future__ import annotations

from django.utils import timezone

from learnpath.web.lti import grades, services
from learnpath.web.schedules import schedule_ensure

GRADES_SCHEDULE = "learnpath: LTI grades owed to LMS gradebooks"


def grades_send() -> str:
    """Send every grade owed to an LMS (also run a moment after each change of mastery)."""
    counts = grades.grades_send_pending()
    forgotten = services.nonces_forget(now=timezone.now())
    return (
        f"{counts['sent']} grades sent, {counts['failed']} failed (kept for the next run); "
        f"{forgotten} nonces forgotten"
    )


def roster_sync(context_id: int) -> str:
    """Read one LMS course's roster (Names and Role Provisioning) into its class."""
    return grades.roster_sync_safely(context_id)


def grades_schedule_ensure(*, every_minutes: int = 5) -> None:
    """Create or update the worker's schedule that retries owed grades every ``every_minutes``."""
    schedule_ensure(name=GRADES_SCHEDULE, func=f"{__name__}.grades_send", every_minutes=every_minutes)
