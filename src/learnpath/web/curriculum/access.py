"""Who may see which course: the one place it is decided.

Rule: a course either belongs to an organisation or is global (``organisation`` empty). Every signed-in,
active person sees the global courses and the courses of their own organisation; a superuser sees all.
Anonymous people see none. A course someone may not see is reported exactly like a missing one.

Course visibility follows the class (issue 11, decision 0079): a learner in a class (not archived) that
uses at least one course sees only the courses their classes use, of those above. A learner whose
classes use no course yet, or who is in no class (self-directed learners, workplace training), sees the
school's courses and the global ones. Teachers, guardians and admins are not narrowed.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, Q, QuerySet
from django.http import Http404

from learnpath.web.accounts import api as accounts_api
from learnpath.web.curriculum.models import ClassCourse, Course


def access_is_signed_in(user: Any) -> bool:
    """Signed in with an active account (accounts' rule): sees their course list, not the welcome page."""
    return accounts_api.user_is_signed_in(user)


def access_visible_courses(user: Any) -> QuerySet[Course]:
    """The courses ``user`` may see (one query, whatever the number of classes and courses)."""
    if not accounts_api.user_is_signed_in(user):
        return Course.objects.none()
    if accounts_api.user_is_platform_admin(user):
        return Course.objects.all()
    organisation_id = accounts_api.user_organisation_id(user)
    visible = Q(organisation__isnull=True)
    if organisation_id is not None:
        visible |= Q(organisation_id=organisation_id)
    if accounts_api.user_is_learner(user):
        # The courses of the learner's classes; a subquery on the class's memberships, so no extra query.
        used = ClassCourse.objects.filter(
            klass__memberships__learner_id=user.pk, klass__archived_at__isnull=True
        ).values("course_id")
        visible &= Q(slug__in=used) | ~Exists(used)
    return Course.objects.filter(visible)


def access_course(user: Any, course_id: str) -> Course:
    """The course ``course_id`` if ``user`` may see it, else ``Http404`` (missing and forbidden alike)."""
    course = access_visible_courses(user).filter(slug=course_id).first()
    if course is None:
        raise Http404(
            f"There is no course {course_id!r} that you can see. The course list shows the ones you can."
        )
    return course
