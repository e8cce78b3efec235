"""Reads: what a learner may claim (mastered skills, and courses with every skill mastered) and the
credentials they claimed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from learnpath.web.credentials.models import Credential
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning import api as learning_api


@dataclass(frozen=True)
class Claimable:
    """Something the learner mastered and may claim a badge for."""

    kind: str  # "skill" or "course"
    course_id: str
    course_title: str
    skill_id: str  # "" for a course
    name: str
    mastered_at: datetime
    standards: tuple[str, ...]  # codes of the CASE items the badge will align to
    claimed: bool  # a badge that is not revoked exists already


def claimables(*, learner_id: int) -> list[Claimable]:
    """Every mastered skill and every fully mastered course of the learner, courses first, newest first."""
    mastered = learning_api.mastered_skills_at(learner_id=learner_id)
    course_ids = sorted({course for course, _skill in mastered})
    infos = curriculum_api.courses_info(course_ids=course_ids)
    claimed = set(
        Credential.objects.filter(learner_id=learner_id, revoked_at__isnull=True).values_list(
            "course_id", "skill_id"
        )
    )
    out: list[Claimable] = []
    for course_id in course_ids:
        info = infos.get(course_id)
        if info is None:
            continue
        skills = learning_api.course_skill_names(course_id=course_id)
        standards = curriculum_api.course_standards(course_id=course_id)
        times = [mastered[(course_id, skill)] for skill, _n in skills if (course_id, skill) in mastered]
        if skills and len(times) == len(skills):
            codes = {s.code for skill, _n in skills for s in standards.get(skill, []) if s.case_id}
            out.append(
                Claimable("course", course_id, info.title, "", info.title, max(times), tuple(sorted(codes)),
                          (course_id, "") in claimed)
            )  # fmt: skip
        for skill_id, name in skills:
            if (course_id, skill_id) not in mastered:
                continue
            skill_codes = tuple(s.code for s in standards.get(skill_id, []) if s.case_id)
            out.append(
                Claimable("skill", course_id, info.title, skill_id, name, mastered[(course_id, skill_id)],
                          skill_codes, (course_id, skill_id) in claimed)
            )  # fmt: skip
    return sorted(out, key=lambda c: (c.kind != "course", -c.mastered_at.timestamp(), c.name))


def credentials_of(*, learner_id: int) -> list[Credential]:
    """The learner's credentials, newest first."""
    return list(Credential.objects.filter(learner_id=learner_id))
