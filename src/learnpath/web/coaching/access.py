"""Who may run which class and see which learner's class data: the one place it is decided for coaching.

A class is run by its teachers (and a platform admin). Anyone else asking for a class, or for a learner
who is not in it, gets the same 404 as for a class that does not exist. An archived class is run by
nobody until it is restored.

What a teacher reads about a learner is decided once, by :func:`access_learner_reading` (decision 0075):
the work the learner did in the classes that teacher teaches. Agency's file download and coaching's
learner page both ask it; a piece of work outside it is answered exactly like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.api import ClassInfo, PersonInfo
from learnpath.web.coaching import selectors
from learnpath.web.coaching.models import EnrolmentRequest, EnrolmentRequestStatus

NOT_FOUND = "There is no class {id} that you teach. Your classes page lists the ones you do."
NO_LEARNER_HERE = "There is no learner here that you can see."
NO_REQUEST = "There is no enrolment request {id} for you to decide."


def access_is_teacher(user: Any) -> bool:
    """Signed-in, active, and a teacher (or an admin): may create classes."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and (user.role in ("teacher", "admin") or accounts_api.user_is_platform_admin(user))
    )


def access_is_learner(user: Any) -> bool:
    """Signed-in, active learner."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role == "learner")


def access_class_teacher(user: Any, class_id: int) -> ClassInfo:
    """The class if ``user`` teaches it (or is a platform admin) and it is not archived, else ``Http404``."""
    if access_is_teacher(user):
        for klass in accounts_api.classes_taught(user=user):
            if klass.id == class_id:
                return klass
    raise Http404(NOT_FOUND.format(id=class_id))


def access_class_teacher_archived_too(user: Any, class_id: int) -> ClassInfo:
    """The class if ``user`` teaches it, archived or not (to restore it), else ``Http404``."""
    if access_is_teacher(user):
        for klass in [*accounts_api.classes_taught(user=user), *accounts_api.classes_archived(user=user)]:
            if klass.id == class_id:
                return klass
    raise Http404(NOT_FOUND.format(id=class_id))


def access_class_learner(user: Any, class_id: int, learner_id: int) -> tuple[ClassInfo, PersonInfo]:
    """The class and one of its learners, if ``user`` teaches the class; else ``Http404``."""
    klass = access_class_teacher(user, class_id)
    for learner in accounts_api.class_learners(class_id=class_id):
        if learner.id == learner_id:
            return klass, learner
    raise Http404(f"The class {klass.name!r} has no learner {learner_id}.")


def access_class_course(user: Any, class_id: int, course_id: str) -> ClassInfo:
    """The class if ``user`` teaches it and ``course_id`` is attached to it; else ``Http404``."""
    klass = access_class_teacher(user, class_id)
    if course_id not in selectors.class_course_ids(class_id=class_id):
        raise Http404(f"The course {course_id!r} is not attached to {klass.name!r}.")
    return klass


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
    courses or in none), goals set by its teachers, and the feedback of its teachers. Three queries.
    """
    relation = accounts_api.relation_to_learner(user=user, learner_id=learner_id)
    if relation is None:
        raise Http404(NO_LEARNER_HERE)
    if relation != "teacher":
        return LearnerReading(learner_id=learner_id, relation=relation, windows=None, authors=None)
    shared = [
        membership
        for membership in accounts_api.memberships_of_learners(learner_ids=[learner_id])
        if user.pk in membership.teacher_ids
    ]
    courses = selectors.class_course_ids_of(class_ids=[membership.class_id for membership in shared])
    return LearnerReading(
        learner_id=learner_id,
        relation=relation,
        windows=tuple(
            (membership.joined_at, frozenset(courses.get(membership.class_id, ()))) for membership in shared
        ),
        authors=frozenset({user.pk, *(t for membership in shared for t in membership.teacher_ids)}),
    )


# -- enrolment requests --------------------------------------------------------------------------------


def access_enrolment_requests_to_decide(user: Any) -> QuerySet[EnrolmentRequest]:
    """The pending requests ``user`` may accept or decline: an administrator all of them; a teacher those
    for a learner of a class they teach (not archived), never one they made. One query."""
    pending = EnrolmentRequest.objects.filter(status=EnrolmentRequestStatus.PENDING)
    if not access_is_teacher(user):
        return pending.none()
    if accounts_api.user_is_platform_admin(user):
        return pending
    return (
        pending.filter(
            learner__memberships__klass__teachers=user, learner__memberships__klass__archived_at=None
        )
        .exclude(requested_by=user)
        .distinct()
    )


def access_enrolment_request_to_decide(user: Any, request_id: int) -> EnrolmentRequest:
    """A pending request ``user`` may accept or decline, else ``Http404`` (missing, decided and not
    theirs to decide alike)."""
    found = access_enrolment_requests_to_decide(user).filter(pk=request_id).first()
    if found is None:
        raise Http404(NO_REQUEST.format(id=request_id))
    return found
