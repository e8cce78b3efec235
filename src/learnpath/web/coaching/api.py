"""What other apps may use from coaching: plain functions returning plain data (OEP-49).

The learning app, below coaching, cannot ask for a learner's pacing targets: coaching registers
:func:`assignments_for` with ``learning.api.assignments_source_set`` when the app starts (``apps.py``,
decision 0079), and the policy reads them through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from learnpath.engine.policy import Assignment
from learnpath.web.coaching import selectors

__all__ = [
    "PlanEntry",
    "assignments_for",
    "demo_class_ensure",
    "inbox_new_count",
    "learner_plan",
    "privacy_provider",
]


def inbox_new_count(*, teacher: Any, now: datetime) -> int:
    """How many pieces of work and reflections are new in the teacher's inbox (the menu shows it)."""
    return selectors.inbox_new_count(teacher=teacher, now=now)


def assignments_for(*, learner_id: int, course_id: str) -> list[Assignment]:
    """The learner's target skills in the course with due dates (class, group and own), for the policy.

    One ``engine.policy.Assignment(skill_id, due)`` per skill (its earliest due date), earliest first.
    Two queries.
    """
    return selectors.assignments_for(learner_id=learner_id, course_id=course_id)


@dataclass(frozen=True)
class PlanEntry:
    """One target on a learner's plan."""

    course_id: str
    skill_id: str
    due: datetime
    class_name: str
    scope: str  # "class", "group" or "you"


def learner_plan(*, learner_id: int, course_id: str | None = None) -> list[PlanEntry]:
    """Every pacing target that applies to the learner, earliest due first."""
    return [
        PlanEntry(
            course_id=target.course_id,
            skill_id=target.skill_id,
            due=target.due,
            class_name=target.klass.name,
            scope="you" if target.learner_id else ("group" if target.group_id else "class"),
        )
        for target in selectors.learner_targets(learner_id=learner_id, course_id=course_id)
    ]


def demo_class_ensure(*, teacher: Any) -> None:
    """Give the demo teacher's class the demo course, learners with history and a pacing guide (once)."""
    from django.utils import timezone

    from learnpath.web.coaching import services

    services.demo_class_ensure(teacher=teacher, now=timezone.now())


# The app's personal data, for the privacy app (docs/privacy.md): what it holds, export and erase.
from learnpath.web.coaching import privacy as privacy_provider  # noqa: E402
