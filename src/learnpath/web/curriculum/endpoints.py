"""REST endpoints for courses and skills (mounted at /api/courses by learnpath.web.restapi)."""

from __future__ import annotations

import dataclasses

from django.http import HttpRequest
from ninja import Router, Schema

from learnpath.web.curriculum import access, selectors
from learnpath.web.curriculum.standards import course_standards
from learnpath.web.schemas import CourseId, ErrorOut

router = Router(tags=["courses"])


class CourseOut(Schema):
    id: str
    title: str
    description: str
    version: str
    language: str
    skill_count: int
    item_count: int


class StandardOut(Schema):
    code: str
    statement: str
    framework: str
    case_id: str


class SkillOut(Schema):
    id: str
    name: str
    description: str
    prerequisites: list[str]
    item_count: int
    standards: list[StandardOut]


class CourseDetailOut(Schema):
    id: str
    title: str
    description: str
    version: str
    language: str
    license: str
    skill_count: int
    item_count: int
    resource_count: int
    project_count: int


ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get("", response={200: list[CourseOut], 401: ErrorOut}, summary="Courses you can see")
def course_list(request: HttpRequest) -> list[dict[str, object]]:
    """Every course the signed-in user may see, by title."""
    return [
        {
            "id": course.slug,
            "title": course.title,
            "description": course.description,
            "version": course.version,
            "language": course.language,
            "skill_count": course.skill_count,  # type: ignore[attr-defined]
            "item_count": course.item_count,  # type: ignore[attr-defined]
        }
        for course in selectors.course_list(courses=access.access_visible_courses(request.user))
    ]


@router.get("/{course_id}", response={200: CourseDetailOut, **ERRORS}, summary="One course")
def course_detail(request: HttpRequest, course_id: CourseId) -> dict[str, object]:
    """A course's metadata and counts; 404 when it does not exist or you may not see it."""
    overview = selectors.course_overview(course=access.access_course(request.user, course_id))
    course = overview.course
    return {
        "id": course.slug,
        "title": course.title,
        "description": course.description,
        "version": course.version,
        "language": course.language,
        "license": course.license,
        "skill_count": len(overview.skills),
        "item_count": overview.item_count,
        "resource_count": overview.resource_count,
        "project_count": overview.project_count,
    }


@router.get("/{course_id}/skills", response={200: list[SkillOut], **ERRORS}, summary="A course's skills")
def course_skills(request: HttpRequest, course_id: CourseId) -> list[dict[str, object]]:
    """The course's live skills in prerequisite order (every skill after its prerequisites)."""
    overview = selectors.course_overview(course=access.access_course(request.user, course_id))
    aligned = course_standards(course_id=course_id)
    return [
        {
            "id": skill.slug,
            "name": skill.name,
            "description": skill.description,
            "prerequisites": [link.slug for link in skill.prerequisites],
            "item_count": skill.item_count,
            # each standard with its statement when a framework the course aligns to has it (CASE)
            "standards": [dataclasses.asdict(standard) for standard in aligned.get(skill.slug, [])],
        }
        for skill in overview.skills
    ]
