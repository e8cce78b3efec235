"""Who may practise in which course: the one place it is decided for learning.

Rule: anyone signed in and active may practise in a course they can see (``curriculum.api``); every
record is their own (a learner only ever reads and writes their own events and states). A course they
may not see is reported exactly like a missing one.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from learnpath.web.accounts import api as accounts_api
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.curriculum.api import CourseInfo


def access_practice_course(user: Any, course_id: str) -> CourseInfo:
    """The course if ``user`` may practise in it, else ``Http404`` (missing and forbidden alike)."""
    if accounts_api.user_is_signed_in(user):
        for course in curriculum_api.courses_visible(user=user):
            if course.id == course_id:
                return course
    raise Http404(
        f"There is no course {course_id!r} that you can practise in. Your course list shows the ones you can."
    )


def access_course_model(user: Any, course_id: str) -> CourseInfo:
    """The course if ``user`` may see its learner model page (administrators: every admin account has
    platform rights), else ``Http404`` (missing and forbidden alike)."""
    info = curriculum_api.course_info(course_id=course_id)
    if info is not None and accounts_api.user_is_platform_admin(user):
        return info
    raise Http404(f"There is no course {course_id!r} whose learner model you can see.")


def access_is_learner(user: Any) -> bool:
    """A signed-in, active learner: offered the learner's own steps (welcome, reflection). Accounts' rule."""
    return accounts_api.user_is_learner(user)
