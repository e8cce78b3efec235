"""Who may see which course: the one place it is decided.

Rule: a course either belongs to an organisation or is global (``organisation`` empty). Every signed-in,
active person sees the global courses and the courses of their own organisation; a superuser sees all.
Anonymous people see none. A course someone may not see is reported exactly like a missing one.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from learnpath.web.accounts import api as accounts_api
from learnpath.web.curriculum.models import Course


def access_visible_courses(user: Any) -> QuerySet[Course]:
    """The courses ``user`` may see."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Course.objects.none()
    if accounts_api.user_is_platform_admin(user):
        return Course.objects.all()
    organisation_id = accounts_api.user_organisation_id(user)
    visible = Q(organisation__isnull=True)
    if organisation_id is not None:
        visible |= Q(organisation_id=organisation_id)
    return Course.objects.filter(visible)


def access_course(user: Any, course_id: str) -> Course:
    """The course ``course_id`` if ``user`` may see it, else ``Http404`` (missing and forbidden alike)."""
    course = access_visible_courses(user).filter(slug=course_id).first()
    if course is None:
        raise Http404(
            f"There is no course {course_id!r} that you can see. The course list shows the ones you can."
        )
    return course
