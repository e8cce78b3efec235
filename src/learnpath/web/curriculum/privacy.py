"""Personal data in curriculum: only who imported a course version (courses themselves are not personal)."""

from __future__ import annotations

from typing import Any

from learnpath.web.curriculum.models import CourseVersion
from learnpath.web.personal_data import PersonalData, plain

PERSONAL_DATA = (
    PersonalData(
        model="curriculum.CourseVersion",
        fields=("imported_by",),
        purpose="Who imported a version of a course, for the course's history.",
        seen_by="Administrators.",
        kept="As long as the course version; cleared when that person is deleted.",
    ),
)


def export(*, user_id: int) -> dict[str, Any]:
    """The course versions the person imported."""
    versions = CourseVersion.objects.filter(imported_by_id=user_id).select_related("course")
    return {
        "course_versions_imported": [
            {"course": v.course.slug, "version": v.version, "imported_at": plain(v.imported_at)}
            for v in versions.order_by("imported_at")
        ]
    }


def erase(*, user_id: int, keep_research: bool) -> dict[str, int]:
    """Forget who imported: the versions stay (learners' history points at them). Idempotent."""
    return {"course_versions": CourseVersion.objects.filter(imported_by_id=user_id).update(imported_by=None)}
