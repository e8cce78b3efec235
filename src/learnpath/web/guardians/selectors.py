"""Reads for guardians: what a linked guardian sees of a learner, assembled from the other apps' APIs."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from learnpath.web.accounts import api as accounts_api
from learnpath.web.agency import api as agency_api
from learnpath.web.coaching import api as coaching_api
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning import api as learning_api

PRACTISE_TOGETHER = 3
PLAN_SHOWN = 5


@dataclass(frozen=True)
class LearnerOverview:
    """The read-only view of a learner: progress per course, what to practise together, the teacher's
    targets and recent work."""

    progress: list[dict[str, Any]]
    practise: list[tuple[str, str]]
    plan: list[tuple[str, datetime]]
    work: Any


def learner_overview(*, learner_id: int) -> LearnerOverview:
    """What a guardian sees of ``learner_id`` (the caller checked the link)."""
    rows = learning_api.skill_progress_rows(learner_ids=[learner_id], course_id=None)
    by_course: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_course[row.course_id].append(row)
    progress = []
    practise = []
    infos = curriculum_api.courses_info(course_ids=by_course)
    packs = curriculum_api.course_packs(course_ids=by_course)
    for course_id, course_rows in by_course.items():
        info = infos.get(course_id)
        pack = packs.get(course_id)
        names = {s.id: s.name for s in pack.skills} if pack is not None else {}
        mastered = [r for r in course_rows if r.mastered]
        learning = sorted(
            (r for r in course_rows if not r.mastered and r.answers), key=lambda r: r.p_mastered
        )
        progress.append(
            {
                "title": info.title if info else course_id,
                "mastered": [names.get(r.skill_id, r.skill_id) for r in mastered],
                "learning": [
                    (names.get(r.skill_id, r.skill_id), round(r.p_mastered * 100)) for r in learning
                ],
                "total": len(names),
            }
        )
        practise.extend(
            (names.get(r.skill_id, r.skill_id), info.title if info else course_id) for r in learning
        )
    entries = coaching_api.learner_plan(learner_id=learner_id)[:PLAN_SHOWN]
    plan_packs = curriculum_api.course_packs(course_ids=[entry.course_id for entry in entries])
    skill_names = {
        course_id: {skill.id: skill.name for skill in pack.skills} for course_id, pack in plan_packs.items()
    }
    plan = [
        (skill_names.get(entry.course_id, {}).get(entry.skill_id, entry.skill_id), entry.due)
        for entry in entries
    ]
    return LearnerOverview(
        progress=progress,
        practise=practise[:PRACTISE_TOGETHER],
        plan=plan,
        work=agency_api.learner_work(learner_id=learner_id),
    )


def linked_learners(*, guardian_id: int) -> list[accounts_api.PersonInfo]:
    """The learners a guardian is actively linked to, by user name."""
    return accounts_api.learners_of_guardian(guardian_id=guardian_id)
