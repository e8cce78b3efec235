"""The worker's repeating jobs (django-q2 schedules), one helper for every app's ``tasks.py``."""

from __future__ import annotations

from django.utils import timezone


def schedule_ensure(*, name: str, func: str, every_minutes: int) -> None:
    """Create or update the schedule ``name`` that runs ``func`` (a dotted path) every ``every_minutes``,
    starting now."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name=name,
        defaults={
            "func": func,
            "schedule_type": Schedule.MINUTES,
            "minutes": every_minutes,
            "repeats": -1,
            "next_run": timezone.now(),
        },
    )
