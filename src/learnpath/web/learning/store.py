"""Loading a ``LearnerState`` from the derived tables and writing back what changed (or everything)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from learnpath.engine.mastery import SkillProgress
from learnpath.engine.review import ReviewSchedule as Schedule
from learnpath.web.learning.derive import LearnerState, SkillEntry
from learnpath.web.learning.models import LearnerCourse, ResourceUse, ReviewSchedule, SkillState

COURSE_FIELDS = (
    "ability",
    "ability_answers",
    "attempt",
    "recent_skills",
    "last_item_id",
    "chosen_skill_id",
    "last_active_at",
    "away_since",
    "review_day",
    "reviewed_today",
    "pending_resources",
    "last_event_id",
)


def state_load(
    *, learner_id: int, course_id: str, with_resources: bool = True, row: LearnerCourse | None = None
) -> LearnerState:
    """The learner's derived state in the course (an empty one if they have not started).

    ``row`` is their ``LearnerCourse`` row when the caller has it already (locked, in a write).
    """
    state = LearnerState(learner_id=learner_id, course_id=course_id)
    if row is None:
        row = LearnerCourse.objects.filter(learner_id=learner_id, course_id=course_id).first()
        if row is None:
            return state
    for name in COURSE_FIELDS:
        setattr(state, name, getattr(row, name))
    if row.last_event_id == 0:
        return state  # nothing happened yet: no skill, schedule or resource rows
    for skill_id, progress, ability, answers in SkillState.objects.filter(
        learner_id=learner_id, course_id=course_id
    ).values_list("skill_id", "progress", "skill_ability", "skill_answers"):
        state.skills[skill_id] = SkillEntry(SkillProgress.from_dict(progress), ability, answers)
    for skill_id, schedule in ReviewSchedule.objects.filter(
        learner_id=learner_id, course_id=course_id
    ).values_list("skill_id", "schedule"):
        state.schedules[skill_id] = Schedule.from_dict(schedule)
    if with_resources:
        resources_load(state)
    return state


def resources_load(state: LearnerState, resource_ids: Iterable[str] | None = None) -> None:
    """Read the learner's ``ResourceUse`` rows into ``state`` (only ``resource_ids`` when given)."""
    rows = ResourceUse.objects.filter(learner_id=state.learner_id, course_id=state.course_id)
    if resource_ids is not None:
        wanted = sorted(set(resource_ids) - set(state.resources))
        if not wanted:
            return
        rows = rows.filter(resource_id__in=wanted)
    for resource_id, views, followed, helped in rows.values_list(
        "resource_id", "views", "followed", "helped"
    ):
        state.resources[resource_id] = [views, followed, helped]


def _course_row(state: LearnerState) -> LearnerCourse:
    return LearnerCourse(
        learner_id=state.learner_id,
        course_id=state.course_id,
        **{name: getattr(state, name) for name in COURSE_FIELDS},
    )


def _skill_row(state: LearnerState, skill_id: str) -> SkillState:
    entry = state.skills[skill_id]
    progress = entry.progress
    return SkillState(
        learner_id=state.learner_id,
        course_id=state.course_id,
        skill_id=skill_id,
        p_mastered=progress.p_mastered,
        answers=progress.evidence.answers,
        correct_streak=progress.evidence.correct_streak,
        mastered_at=progress.mastered_at,
        lapsed=progress.lapsed,
        last_practised=progress.last_practised,
        skill_ability=entry.ability,
        skill_answers=entry.answers,
        progress=progress.to_dict(),
    )


def _schedule_row(state: LearnerState, skill_id: str) -> ReviewSchedule:
    schedule = state.schedules[skill_id]
    return ReviewSchedule(
        learner_id=state.learner_id,
        course_id=state.course_id,
        skill_id=skill_id,
        due=schedule.due,
        schedule=schedule.to_dict(),
    )


def _resource_row(state: LearnerState, resource_id: str) -> ResourceUse:
    views, followed, helped = state.resources[resource_id]
    return ResourceUse(
        learner_id=state.learner_id,
        course_id=state.course_id,
        resource_id=resource_id,
        views=views,
        followed=followed,
        helped=helped,
    )


SKILL_FIELDS = [
    "p_mastered",
    "answers",
    "correct_streak",
    "mastered_at",
    "lapsed",
    "last_practised",
    "skill_ability",
    "skill_answers",
    "progress",
]


def _upsert(model: Any, rows: list[Any], unique: list[str], fields: list[str]) -> None:
    if rows:
        model.objects.bulk_create(rows, update_conflicts=True, unique_fields=unique, update_fields=fields)


def state_save(state: LearnerState) -> None:
    """Write the learner-course row and every changed skill, schedule and resource row (upserts)."""
    _upsert(LearnerCourse, [_course_row(state)], ["learner", "course_id"], list(COURSE_FIELDS))
    _upsert(
        SkillState,
        [_skill_row(state, s) for s in sorted(state.changed_skills)],
        ["learner", "course_id", "skill_id"],
        SKILL_FIELDS,
    )
    _upsert(
        ReviewSchedule,
        [_schedule_row(state, s) for s in sorted(state.changed_schedules)],
        ["learner", "course_id", "skill_id"],
        ["due", "schedule"],
    )
    _upsert(
        ResourceUse,
        [_resource_row(state, r) for r in sorted(state.changed_resources)],
        ["learner", "course_id", "resource_id"],
        ["views", "followed", "helped"],
    )
    state.changed_skills.clear()
    state.changed_schedules.clear()
    state.changed_resources.clear()


def states_insert(states: Iterable[LearnerState], *, batch_size: int = 2000) -> None:
    """Insert every row of ``states`` into empty tables (the rebuild)."""
    courses: list[LearnerCourse] = []
    skills: list[SkillState] = []
    schedules: list[ReviewSchedule] = []
    resources: list[ResourceUse] = []
    for state in states:
        courses.append(_course_row(state))
        skills.extend(_skill_row(state, s) for s in sorted(state.skills))
        schedules.extend(_schedule_row(state, s) for s in sorted(state.schedules))
        resources.extend(_resource_row(state, r) for r in sorted(state.resources))
    for model, rows in (
        (LearnerCourse, courses),
        (SkillState, skills),
        (ReviewSchedule, schedules),
        (ResourceUse, resources),
    ):
        model.objects.bulk_create(rows, batch_size=batch_size)
