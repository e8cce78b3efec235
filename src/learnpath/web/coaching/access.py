"""Who may run which class and see which learner's class data: the one place it is decided for coaching.

A class is run by its teachers (and a platform admin). Anyone else asking for a class, or for a learner
who is not in it, gets the same 404 as for a class that does not exist. An archived class is run by
nobody until it is restored.

What a teacher reads about a learner is decided once, by ``agency.access.access_learner_reading``
(decisions 0075 and 0079): the work the learner did in the classes that teacher teaches. Agency's file
download and coaching's learner page both ask it; a piece of work outside it is answered exactly like a
missing one. "Signed in", "is a teacher" and "teaches this class" are accounts' rules (``accounts.api``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.api import ClassInfo, PersonInfo
from learnpath.web.agency import api as agency_api
from learnpath.web.agency.api import LearnerReading
from learnpath.web.coaching import selectors
from learnpath.web.coaching.models import EnrolmentRequest, EnrolmentRequestStatus

NOT_FOUND = "There is no class {id} that you teach. Your classes page lists the ones you do."
NO_LEARNER_HERE = "There is no learner here that you can see."
NO_REQUEST = "There is no enrolment request {id} for you to decide."


def access_is_teacher(user: Any) -> bool:
    """Signed-in, active, and a teacher (or an admin): may create classes (``accounts.api``'s rule)."""
    return accounts_api.user_is_teacher(user)


def access_teacher(user: Any) -> None:
    """Pass for a teacher (or an admin), for pages across all their classes (the inbox); else ``Http404``."""
    if not access_is_teacher(user):
        raise Http404("The inbox is a teacher's.")


def access_is_learner(user: Any) -> bool:
    """Signed-in, active learner (``accounts.api``'s rule)."""
    return accounts_api.user_is_learner(user)


def access_class_teacher(user: Any, class_id: int) -> ClassInfo:
    """The class if ``user`` teaches it (or is a platform admin) and it is not archived, else ``Http404``
    (``accounts.api.class_taught``: the one "teaches this class" rule)."""
    return accounts_api.class_taught(user=user, class_id=class_id)


def access_class_teacher_archived_too(user: Any, class_id: int) -> ClassInfo:
    """The class if ``user`` teaches it, archived or not (to restore it), else ``Http404``."""
    return accounts_api.class_taught(user=user, class_id=class_id, archived_too=True)


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


def access_learner_reading(user: Any, learner_id: int) -> LearnerReading:
    """What ``user`` may read of the learner, else ``Http404``: the one rule is agency's
    (``agency.access.access_learner_reading``, decisions 0075 and 0079), asked through its api."""
    return agency_api.learner_reading(user=user, learner_id=learner_id)


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
