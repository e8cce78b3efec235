"""Who may take placement where, and who may set a class's cap: the one place it is decided here.

A learner takes placement in a course they can practise in (``curriculum.api.courses_visible``); every
session is their own, so another learner's placement is never addressable at all. A class's cap is set by
its teachers (and platform admins). Missing and forbidden look the same: 404.
"""

from __future__ import annotations

from typing import Any

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.api import ClassInfo
from learnpath.web.curriculum.api import CourseInfo
from learnpath.web.learning import api as learning_api


def access_placement_course(user: Any, course_id: str) -> CourseInfo:
    """The course if ``user`` may take placement in it (where they may practise), else ``Http404``."""
    info: CourseInfo = learning_api.practice_course_access(user=user, course_id=course_id)
    return info


def access_class_cap(user: Any, class_id: int) -> ClassInfo:
    """The class if ``user`` teaches it (or is a platform admin), else ``Http404``: accounts' one
    "teaches this class" rule (``accounts.api.class_taught``, decision 0079)."""
    return accounts_api.class_taught(user=user, class_id=class_id)
