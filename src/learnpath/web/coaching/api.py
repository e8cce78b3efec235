"""What other apps may use from coaching: plain functions returning plain data (OEP-49).

The learning app passes a learner's pacing targets to the policy::

    from learnpath.web.coaching import api as coaching_api
    next_activities(..., assignments=coaching_api.assignments_for(learner_id=..., course_id=...))
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from learnpath.engine.policy import Assignment
from learnpath.web.coaching import access, selectors
from learnpath.web.coaching.access import LearnerReading

__all__ = [
    "LearnerReading",
    "PlanEntry",
    "assignments_for",
    "class_course_ids",
    "demo_class_ensure",
    "learner_plan",
    "learner_reading",
    "privacy_provider",
]


def learner_reading(*, user: Any, learner_id: int) -> LearnerReading:
    """What ``user`` may read of a learner (a teacher: what the learner did in their classes), else
    ``Http404``: the one rule, ``coaching.access.access_learner_reading`` (decision 0075)."""
    return access.access_learner_reading(user, learner_id)


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


def class_course_ids(*, class_id: int) -> list[str]:
    """The courses attached to a class."""
    return selectors.class_course_ids(class_id=class_id)


def demo_class_ensure(*, teacher: Any) -> None:
    """Give the demo teacher's class the demo course, learners with history and a pacing guide (once)."""
    from django.utils import timezone

    from learnpath.web.coaching import services

    services.demo_class_ensure(teacher=teacher, now=timezone.now())


# The app's personal data, for the privacy app (docs/privacy.md): what it holds, export and erase.
from learnpath.web.coaching import privacy as privacy_provider  # noqa: E402
