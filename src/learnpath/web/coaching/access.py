"""Who may run which class and see which learner's class data: the one place it is decided for coaching.

A class is run by its teachers (and a platform admin). Anyone else asking for a class, or for a learner
who is not in it, gets the same 404 as for a class that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.api import ClassInfo, PersonInfo
from learnpath.web.coaching import selectors

NOT_FOUND = "There is no class {id} that you teach. Your classes page lists the ones you do."


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
    """The class if ``user`` teaches it (or is a platform admin), else ``Http404``."""
    if access_is_teacher(user):
        for klass in accounts_api.classes_taught(user=user):
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
