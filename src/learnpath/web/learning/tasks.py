"""Background tasks of the learning app, run by the worker (``learnpath worker``, django-q2)."""

from __future__ import annotations

from django.conf import settings

from learnpath.web.learning.fitting import refit_all, report_line
from learnpath.web.schedules import schedule_ensure

REFIT_SCHEDULE = "learnpath: refit learner models"


def refit_courses() -> str:
    """Refit every course's learner model on its own log (serving each new one that is no worse)."""
    reports = refit_all(min_answers=settings.LEARNPATH_FIT_MIN_ANSWERS, scheduled=True)
    return "\n".join(report_line(r) for r in reports) or "no course to refit"


def refit_schedule_ensure(*, every_minutes: int) -> None:
    """Create or update the worker's schedule that runs ``refit_courses`` every ``every_minutes``."""
    schedule_ensure(name=REFIT_SCHEDULE, func=f"{__name__}.refit_courses", every_minutes=every_minutes)
