"""The standards a course aligns to: CASE frameworks imported for a course, and each skill's standards
resolved to their codes and statements (``content.importers.case``; docs/decisions/0086-case-standards.md).

A skill names its standards in its pack (``framework``, ``code``, optional ``case_id``). Importing a CASE
package for a course stores the framework once (updated in place when imported again) and links it to
the course; reading a course's standards matches every skill's standards against the frameworks linked
to it. A code no framework has is still shown, as its code alone, and the import says which ones.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction

from learnpath.content.importers.case import CaseFramework, CaseItem, standard_match
from learnpath.content.model import Standard
from learnpath.web.accounts import api as accounts_api
from learnpath.web.curriculum.models import Course, Skill, StandardsFramework


@dataclass(frozen=True)
class SkillStandard:
    """One standard a skill is aligned to, as teachers read it."""

    code: str  # the framework's own code when matched (e.g. CCSS.Math.Content.4.NBT.A.1), else the pack's
    statement: str  # "" when no framework linked to the course has it
    framework: str  # the framework's title, or the pack's framework name
    case_id: str  # the CASE identifier when matched

    @property
    def short_code(self) -> str:
        """The code without the framework's long prefix (``4.NBT.A.1``), for narrow places."""
        for prefix in ("CCSS.Math.Content.", "CCSS.ELA-Literacy."):
            if self.code.startswith(prefix):
                return self.code[len(prefix) :]
        return self.code


@dataclass(frozen=True)
class FrameworkImport:
    title: str
    items: int
    created: bool
    matched: int
    unmatched: list[tuple[str, str]]  # (skill id, code) the framework does not have
    warnings: list[str]


def _framework(row: StandardsFramework) -> CaseFramework:
    return CaseFramework(
        identifier=row.identifier,
        title=row.title,
        creator=row.creator,
        version=row.version,
        items=tuple(CaseItem(**{**item, "levels": tuple(item["levels"])}) for item in row.items),
    )


def _standards(skill: Skill) -> list[Standard]:
    return [
        Standard(
            code=str(s.get("code", "")),
            framework=str(s.get("framework", "")),
            case_id=str(s.get("case_id", "")),
        )
        for s in skill.standards or []
    ]


def _resolve(standard: Standard, frameworks: list[CaseFramework]) -> SkillStandard:
    for framework in frameworks:
        item = standard_match(framework, standard)
        if item is not None:
            return SkillStandard(item.code or standard.code, item.statement, framework.title, item.identifier)
    return SkillStandard(standard.code, "", standard.framework, standard.case_id)


def framework_import(
    *, framework: CaseFramework, warnings: list[str], course_id: str, actor: Any = None
) -> FrameworkImport:
    """Store the framework (updated in place if it was imported before) and align the course to it
    (audited); say how many of the course's skill standards it has."""
    course = Course.objects.filter(slug=course_id).first()
    if course is None:
        raise Course.DoesNotExist(f"there is no course {course_id!r}")
    with transaction.atomic():
        row, created = StandardsFramework.objects.update_or_create(
            identifier=framework.identifier,
            defaults={
                "title": framework.title[:300],
                "creator": framework.creator[:300],
                "version": framework.version[:100],
                "items": [{**asdict(item), "levels": list(item.levels)} for item in framework.items],
            },
        )
        row.courses.add(course)
        accounts_api.audit_record(
            actor=actor,
            action="course.standards_import",
            target_type="course",
            target_id=course.slug,
            details={
                "framework": framework.identifier,
                "title": framework.title,
                "items": len(framework.items),
            },
        )
    matched, unmatched = 0, []
    for skill in Skill.objects.filter(course=course, retired=False).order_by("position"):
        for standard in _standards(skill):
            if standard_match(framework, standard) is not None:
                matched += 1
            else:
                unmatched.append((skill.slug, standard.code or standard.case_id))
    return FrameworkImport(framework.title, len(framework.items), created, matched, unmatched, warnings)


def course_standards(*, course_id: str) -> dict[str, list[SkillStandard]]:
    """Each live skill of the course (by id, in pack order) with its standards resolved against the
    frameworks the course aligns to: two queries."""
    frameworks = [_framework(row) for row in StandardsFramework.objects.filter(courses__slug=course_id)]
    return {
        skill.slug: [_resolve(standard, frameworks) for standard in _standards(skill)]
        for skill in Skill.objects.filter(course__slug=course_id, retired=False).order_by("position")
    }


def course_frameworks(*, course_id: str) -> list[tuple[str, str]]:
    """(title, version) of each framework the course aligns to."""
    return list(StandardsFramework.objects.filter(courses__slug=course_id).values_list("title", "version"))
