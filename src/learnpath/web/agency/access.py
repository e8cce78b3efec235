"""Who may see and change a learner's goals, work and reflections: the one place it is decided for agency.

The learner owns them. Their teachers read what was done in their classes, comment and may set goals with
them; an actively linked guardian reads them; a platform admin reads them. Everyone else gets the same 404
as for missing data.

What a teacher reads about a learner is decided here, once, by :func:`access_learner_reading` (decisions
0075 and 0079): the work the learner did in the classes that teacher teaches. Agency's file download and
coaching's learner page (through ``agency.api.learner_reading``) both ask it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import Http404

from learnpath.web.accounts import api as accounts_api
from learnpath.web.curriculum import api as curriculum_api

NO_LEARNER_HERE = "There is no learner here that you can see."


def access_own_agency(user: Any) -> int:
    """The learner's own id, if ``user`` is a signed-in learner; else ``Http404``."""
    if accounts_api.user_is_learner(user):
        return int(user.pk)
    raise Http404("These pages are a learner's own.")


def access_learner_work_item(user: Any, learner_id: int, *, course_id: str, created_at: datetime) -> str:
    """How ``user`` reads this piece of the learner's work (self, teacher, guardian, admin), else
    ``Http404``, the same as for missing work.

    The one rule is :func:`access_learner_reading`: a teacher reads only the work the learner did in the
    classes that teacher teaches (decision 0075).
    """
    reading = access_learner_reading(user, learner_id)
    if not reading.sees_work(course_id, created_at):
        raise Http404(NO_LEARNER_HERE)
    return reading.relation


def access_learner_teacher(user: Any, learner_id: int) -> None:
    """Pass if ``user`` teaches the learner (or is a platform admin); else ``Http404``."""
    if accounts_api.relation_to_learner(user=user, learner_id=learner_id) not in ("teacher", "admin"):
        raise Http404("There is no learner here that you teach.")


# -- what a reader sees of a learner -------------------------------------------------------------------

Window = tuple[datetime, frozenset[str]]
"""One class's share of a learner's work: written at or after ``since`` (the learner joined the class),
in one of the class's courses or in no course."""


@dataclass(frozen=True)
class LearnerReading:
    """What ``relation`` lets its holder read of one learner.

    ``windows`` and ``authors`` are None for the learner themselves, an actively linked guardian and a
    platform admin: everything. For a teacher, ``windows`` holds one window per class they teach that the
    learner is in (see ``Window``) and ``authors`` the teachers of those classes, whose feedback they read.
    """

    learner_id: int
    relation: str
    windows: tuple[Window, ...] | None
    authors: frozenset[int] | None

    def sees_course(self, course_id: str) -> bool:
        """The practice record in a course (timeline, mastery): a course of one of the classes."""
        return self.windows is None or any(course_id in courses for _, courses in self.windows)

    def sees_work(self, course_id: str, created_at: datetime) -> bool:
        """A piece of work (reflection, portfolio piece, goal) written in ``course_id`` ("" for none)."""
        return self.windows is None or any(
            created_at >= since and (not course_id or course_id in courses) for since, courses in self.windows
        )

    def sees_author(self, author_id: int | None) -> bool:
        """Feedback written by ``author_id``: one's own, or that of a teacher of the shared classes."""
        return self.authors is None or author_id in self.authors


def access_learner_reading(user: Any, learner_id: int) -> LearnerReading:
    """What ``user`` may read of the learner, else ``Http404`` (missing and forbidden alike).

    Who sees the learner at all is ``accounts.access.access_relation_to_learner``. A teacher then reads
    only what the learner did in the classes that teacher teaches (decision 0075): in each such class, the
    practice record of the class's courses, the work written since the learner joined it (in those
    courses or in none), goals set by its teachers, and the feedback of its teachers. Three queries. It
    lives in agency, below coaching, because it needs only accounts' memberships and curriculum's class
    courses (decision 0079).
    """
    relation = accounts_api.relation_to_learner(user=user, learner_id=learner_id)
    if relation is None:
        raise Http404(NO_LEARNER_HERE)
    if relation != "teacher":
        return LearnerReading(learner_id=learner_id, relation=relation, windows=None, authors=None)
    return access_learners_reading_as_teacher(user, [learner_id])[learner_id]


def access_learners_reading_as_teacher(user: Any, learner_ids: list[int]) -> dict[int, LearnerReading]:
    """What teacher ``user`` reads of each of ``learner_ids``, by the rule of :func:`access_learner_reading`:
    the classes ``user`` teaches that the learner is in (a learner in none gets no window, so nothing).
    Three queries whatever the number of learners (the teacher's inbox reads a whole school's worth)."""
    memberships = accounts_api.memberships_of_learners(learner_ids=learner_ids)
    shared = [membership for membership in memberships if user.pk in membership.teacher_ids]
    courses = curriculum_api.class_course_ids_of(class_ids=sorted({m.class_id for m in shared}))
    by_learner: dict[int, list[Any]] = {}
    for membership in shared:
        by_learner.setdefault(membership.learner_id, []).append(membership)
    out = {}
    for learner_id in learner_ids:
        mine = by_learner.get(learner_id, [])
        out[learner_id] = LearnerReading(
            learner_id=learner_id,
            relation="teacher",
            windows=tuple(
                (membership.joined_at, frozenset(courses.get(membership.class_id, ()))) for membership in mine
            ),
            authors=frozenset({user.pk, *(t for membership in mine for t in membership.teacher_ids)}),
        )
    return out
