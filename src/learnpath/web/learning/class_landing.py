"""A learner who joins a class starts practising its first course (registered with accounts at start-up)."""

from __future__ import annotations

from django.urls import reverse

from learnpath.web.curriculum import api as curriculum_api


def class_first_course_home(class_id: int) -> str | None:
    """The practice home of the first course the class uses, or None when it uses none yet."""
    courses = curriculum_api.class_course_ids(class_id=class_id)
    return reverse("learning:home", kwargs={"course_id": courses[0]}) if courses else None
