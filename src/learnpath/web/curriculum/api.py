"""What other apps and the CLI may use from the curriculum: plain functions and plain data (OEP-49)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from learnpath.content.model import Pack
from learnpath.web.curriculum import access, selectors, services
from learnpath.web.curriculum.models import Course, Item, Skill
from learnpath.web.curriculum.services import CourseImportError, ImportResult

__all__ = [
    "CourseImportError",
    "CourseInfo",
    "CourseNotFound",
    "ImportResult",
    "course_ids",
    "course_import",
    "course_info",
    "course_organisation_set",
    "course_pack",
    "course_skill_prerequisites",
    "courses_visible",
    "item_document",
]


class CourseNotFound(LookupError):
    """There is no course with that id."""


@dataclass(frozen=True)
class CourseInfo:
    """A course as other apps see it."""

    id: str
    title: str
    description: str
    version: str
    checksum: str
    organisation_id: int | None


def _info(course: Course) -> CourseInfo:
    return CourseInfo(
        id=course.slug,
        title=course.title,
        description=course.description,
        version=course.version,
        checksum=course.checksum,
        organisation_id=course.organisation_id,
    )


def course_import(*, pack: Pack, actor: Any = None, organisation_id: int | None = None) -> ImportResult:
    """Import a validated pack (see :func:`learnpath.web.curriculum.services.course_import`).

    Raises ``CourseImportError`` with an actionable message, e.g. when the version needs a bump.
    """
    return services.course_import(pack=pack, actor=actor, organisation_id=organisation_id)


def course_pack(*, course_id: str) -> Pack:
    """The ``Pack`` of a course's current version, as imported; raises ``CourseNotFound`` if there is none."""
    if not Course.objects.filter(slug=course_id).exists():
        raise CourseNotFound(f"no course {course_id!r}; `learnpath import` it first")
    return selectors.course_pack(course_id=course_id)


def course_ids() -> list[str]:
    """The ids of every course, for operators (export, maintenance); not filtered by access."""
    return list(Course.objects.order_by("slug").values_list("slug", flat=True))


def course_info(*, course_id: str) -> CourseInfo | None:
    """One course's metadata, or None; not filtered by access."""
    course = Course.objects.filter(slug=course_id).first()
    return _info(course) if course is not None else None


def courses_visible(*, user: Any) -> list[CourseInfo]:
    """The courses ``user`` may see, by title."""
    return [_info(course) for course in access.access_visible_courses(user).order_by("title")]


def course_skill_prerequisites(*, course_id: str) -> dict[str, list[str]]:
    """Each live skill of a course with the ids of its live prerequisites, in pack order (the skill graph)."""
    graph: dict[str, list[str]] = {
        slug: []
        for slug in Skill.objects.filter(course__slug=course_id, retired=False).values_list("slug", flat=True)
    }
    for skill, prerequisite in (
        Skill.prerequisites.through.objects.filter(
            skill__course__slug=course_id, skill__retired=False, prerequisite__retired=False
        )
        .order_by("prerequisite__position")
        .values_list("skill__slug", "prerequisite__slug")
    ):
        graph[skill].append(prerequisite)
    return graph


def item_document(*, course_id: str, item_id: str) -> dict[str, Any] | None:
    """An item's document (retired items included, so history stays readable), or None."""
    item = Item.objects.filter(course__slug=course_id, slug=item_id).only("document").first()
    return dict(item.document) if item is not None else None


def course_organisation_set(*, course_id: str, organisation_id: int | None, actor: Any = None) -> None:
    """Give a course to one organisation, or make it global with ``None``."""
    services.course_organisation_set(course_id=course_id, organisation_id=organisation_id, actor=actor)
