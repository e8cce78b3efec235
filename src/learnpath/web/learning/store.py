"""Rows to the engine's learner state and back: the web decides nothing about learning here.

``state_load`` reads a learner's rows in a course into the engine's ``learner_loop.CourseState``;
``state_save`` writes back the rows whose values changed (the loop's persistent maps keep unchanged entries
identical, so a change is found by identity); ``states_insert`` writes every row of many states (the
rebuild). ``event_from_row`` reads an ``Event`` row as the loop's ``LearnerEvent``. Each fact is stored
once: a skill's ``SkillProgress`` in its row's columns, a review schedule's due date in its ``due`` column
(the rest of the FSRS card as JSON), the served model's state as one JSON document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from immutables import Map

from learnpath.engine.learner_loop import (
    MAIN_PART,
    Course,
    CourseState,
    Effects,
    EventKind,
    ItemUse,
    LastAnswer,
    LearnerEvent,
    OpenQuestion,
    ResourceUse,
    TeacherNote,
    initial_state,
    step,
    switch_model,
)
from learnpath.engine.mastery import Evidence, SkillProgress
from learnpath.engine.placement import PlacementResult
from learnpath.engine.review import ReviewSchedule as Schedule
from learnpath.engine.served_model import PRIOR_VERSION
from learnpath.web.learning.models import (
    LearnerCourse,
    ReviewSchedule,
    SkillState,
)
from learnpath.web.learning.models import (
    ResourceUse as ResourceUseRow,
)

COURSE_FIELDS = (
    "model_state",
    "attempt",
    "recent_skills",
    "last_item_id",
    "chosen_skill_id",
    "last_active_at",
    "away_since",
    "review_day",
    "reviewed_today",
    "pending_resources",
    "items",
    "teacher_notes",
    "last_event_id",
)
SKILL_FIELDS = ["p_mastered", "answers", "correct_streak", "mastered_at", "lapsed", "last_practised"]


@dataclass
class LearnerState:
    """One learner's engine state in one course, with where it lives: the learner, the course, the last
    event applied, and the state as last read or written (``saved``: what ``state_save`` compares with)."""

    learner_id: int
    course_id: str
    state: CourseState
    last_event_id: int = 0
    saved: CourseState = field(default_factory=CourseState)

    def open_question(self) -> OpenQuestion | None:
        """The question shown and not finished yet, or None."""
        return self.state.open_question()

    open_attempt = open_question


# -- reading -------------------------------------------------------------------------------------------


def state_load(
    *,
    learner_id: int,
    course_id: str,
    course: Course | None = None,
    with_resources: bool = True,
    row: LearnerCourse | None = None,
) -> LearnerState:
    """The learner's state in the course (a new learner's if they have not started).

    ``course`` is the course's ``learner_loop.Course`` (by default the one of its current version);
    ``row`` is their ``LearnerCourse`` row when the caller has it already (locked, in a write).
    """
    if course is None:
        course = _current_course(course_id)
    if row is None:
        row = LearnerCourse.objects.filter(learner_id=learner_id, course_id=course_id).first()
    if row is None or row.last_event_id == 0:
        empty = initial_state(course)
        return LearnerState(learner_id, course_id, empty, 0, empty)
    skills = {
        skill_id: SkillProgress(
            skill_id=skill_id,
            p_mastered=p,
            evidence=Evidence(answers=answers, correct_streak=streak),
            mastered_at=mastered_at,
            lapsed=lapsed,
            last_practised=last,
        )
        for skill_id, p, answers, streak, mastered_at, lapsed, last in SkillState.objects.filter(
            learner_id=learner_id, course_id=course_id
        ).values_list("skill_id", *SKILL_FIELDS)
    }
    schedules = {
        skill_id: Schedule.from_dict({**document, "due": due.isoformat()})
        for skill_id, due, document in ReviewSchedule.objects.filter(
            learner_id=learner_id, course_id=course_id
        ).values_list("skill_id", "due", "schedule")
    }
    document = row.model_state or {}
    same_model = document.get("model") == course.model.version
    state = CourseState(
        model_state=course.model.state_from_dict(document) if same_model else None,
        model_version=course.model.version if same_model else str(document.get("model", "")),
        question=None if row.attempt is None else OpenQuestion.from_dict(row.attempt),
        recent_skills=tuple(row.recent_skills),
        last_item_id=row.last_item_id,
        chosen_skill_id=row.chosen_skill_id,
        last_active_at=row.last_active_at,
        away_since=row.away_since,
        review_day=row.review_day,
        reviewed_today=row.reviewed_today,
        pending_resources=Map({skill: tuple(ids) for skill, ids in row.pending_resources.items()}),
        skills=Map(skills),
        schedules=Map(schedules),
        items=Map({item: _item_use(value) for item, value in row.items.items()}),
        teacher_notes=Map({skill: TeacherNote.from_dict(note) for skill, note in row.teacher_notes.items()}),
    )
    if not same_model:
        # The course serves another model than the one that made this state: its state is recomputed
        # from the learner's log by the model now served (the rebuild does the same at the same event).
        state = switch_model(state, course, learner_events(learner_id=learner_id, course_id=course_id))
    loaded = LearnerState(learner_id, course_id, state, row.last_event_id, state)
    if with_resources:
        resources_load(loaded)
    return loaded


def _current_course(course_id: str) -> Course:
    from learnpath.web.curriculum import api as curriculum_api
    from learnpath.web.learning.course_model import course_model, course_model_in_use

    model = course_model_in_use(course_id)
    if model is None:
        info = curriculum_api.course_info(course_id=course_id)
        if info is None:
            raise LookupError(f"there is no course {course_id!r}")
        model = course_model(info.id, info.checksum)
    return model.loop


def _item_use(value: list[Any]) -> ItemUse:
    shown, solution_at = value
    return ItemUse(int(shown), None if solution_at is None else datetime.fromisoformat(solution_at))


def resources_load(loaded: LearnerState, resource_ids: Iterable[str] | None = None) -> None:
    """Read the learner's ``ResourceUse`` rows into the state (only ``resource_ids`` when given)."""
    rows = ResourceUseRow.objects.filter(learner_id=loaded.learner_id, course_id=loaded.course_id)
    known = loaded.state.resources
    if resource_ids is not None:
        wanted = sorted(set(resource_ids) - set(known))
        if not wanted:
            return
        rows = rows.filter(resource_id__in=wanted)
    found = {
        resource_id: ResourceUse(views, followed, helped)
        for resource_id, views, followed, helped in rows.values_list(
            "resource_id", "views", "followed", "helped"
        )
    }
    if found:
        resources = Map(known).update(found)
        loaded.state = replace(loaded.state, resources=resources)
        loaded.saved = replace(loaded.saved, resources=Map(loaded.saved.resources).update(found))


# -- events --------------------------------------------------------------------------------------------

EVENT_FIELDS = (
    "kind",
    "occurred_at",
    "item_id",
    "seed",
    "step_id",
    "skill_id",
    "resource_id",
    "verdict",
    "confidence",
    "result",
)


def learner_events(*, learner_id: int, course_id: str) -> list[LearnerEvent]:
    """The learner's events in the course, in log order, as the loop reads them."""
    from learnpath.web.learning.models import Event

    rows = Event.objects.filter(learner_id=learner_id, course_id=course_id).order_by("id")
    return [event_from_row(**row) for row in rows.values(*EVENT_FIELDS)]


def event_from_row(
    *,
    kind: str,
    occurred_at: datetime,
    item_id: str = "",
    seed: int | None = None,
    step_id: str = "",
    skill_id: str = "",
    resource_id: str = "",
    verdict: str = "",
    confidence: str = "",
    result: dict[str, Any] | None = None,
    **_ignored: Any,
) -> LearnerEvent:
    """An ``Event`` row's fields (``result`` is what the learner was told) as the loop's event."""
    result = result or {}
    kind = EventKind(kind)
    extra: dict[str, Any] = {}
    if kind is EventKind.START:
        extra = {
            "skills": tuple(str(s) for s in result.get("skills", ())),
            "steps": tuple(str(s) for s in result.get("steps", (MAIN_PART,))),
            "suggestion": str(result.get("suggestion", "")),
            "reason": str(result.get("reason", "")),
        }
    elif kind is EventKind.ANSWER:
        extra = {
            "shown": LastAnswer(
                step_id=step_id,
                status=verdict,
                message=str(result.get("message", "")),
                feedback=result.get("feedback"),
                response=str(result.get("response_text", "")),
            )
        }
    elif kind is EventKind.RESOURCE:
        extra = {"skills": tuple(str(s) for s in result.get("skills", ()))}
    elif kind is EventKind.PLACEMENT:
        extra = {"placement": PlacementResult.from_dict(result["placement"])}
    elif kind is EventKind.OVERRIDE:
        extra = {"direction": str(result.get("direction", "")), "reason": str(result.get("reason", ""))}
    return LearnerEvent(
        kind=kind,
        at=occurred_at,
        item_id=item_id,
        seed=seed,
        step_id=step_id,
        skill_id=skill_id,
        resource_id=resource_id,
        verdict=verdict,
        confidence=confidence,
        **extra,
    )


def replay_rows(
    rows: Iterable[dict[str, Any]], course_for: Callable[[str], Course]
) -> Iterator[tuple[LearnerEvent, CourseState, Effects]]:
    """Replay one learner's event rows in one course (log order; each with ``EVENT_FIELDS`` and
    ``model_version``) through the loop, each event with the model that was served when it happened
    (``course_for(version)``), switching the model state where the served model changed, as the live path
    did (``state_load``). Yields each event with the state after it and its effects."""
    state: CourseState | None = None
    history: list[LearnerEvent] = []
    for row in rows:
        fields = {name: row[name] for name in EVENT_FIELDS}
        course = course_for(row.get("model_version") or PRIOR_VERSION)
        event = event_from_row(**fields)
        if state is None:
            state = initial_state(course)
        elif state.model_version != course.model.version:
            state = switch_model(state, course, history)
        state, effects = step(state, event, course)
        history.append(event)
        yield event, state, effects


# -- writing -------------------------------------------------------------------------------------------


def _course_row(loaded: LearnerState, course: Course) -> LearnerCourse:
    state = loaded.state
    return LearnerCourse(
        learner_id=loaded.learner_id,
        course_id=loaded.course_id,
        model_state=course.model.state_to_dict(state.model_state),
        attempt=None if state.question is None else state.question.to_dict(),
        recent_skills=list(state.recent_skills),
        last_item_id=state.last_item_id,
        chosen_skill_id=state.chosen_skill_id,
        last_active_at=state.last_active_at,
        away_since=state.away_since,
        review_day=state.review_day,
        reviewed_today=state.reviewed_today,
        pending_resources={skill: list(ids) for skill, ids in state.pending_resources.items()},
        items={
            item: [use.shown, None if use.solution_at is None else use.solution_at.isoformat()]
            for item, use in state.items.items()
        },
        teacher_notes={skill: note.to_dict() for skill, note in state.teacher_notes.items()},
        last_event_id=loaded.last_event_id,
    )


def _skill_row(loaded: LearnerState, progress: SkillProgress) -> SkillState:
    return SkillState(
        learner_id=loaded.learner_id,
        course_id=loaded.course_id,
        skill_id=progress.skill_id,
        p_mastered=progress.p_mastered,
        answers=progress.evidence.answers,
        correct_streak=progress.evidence.correct_streak,
        mastered_at=progress.mastered_at,
        lapsed=progress.lapsed,
        last_practised=progress.last_practised,
    )


def _schedule_row(loaded: LearnerState, schedule: Schedule) -> ReviewSchedule:
    document = schedule.to_dict()
    del document["due"]  # stored once, in its column
    return ReviewSchedule(
        learner_id=loaded.learner_id,
        course_id=loaded.course_id,
        skill_id=schedule.skill_id,
        due=schedule.due,
        schedule=document,
    )


def _resource_row(loaded: LearnerState, resource_id: str, use: ResourceUse) -> ResourceUseRow:
    return ResourceUseRow(
        learner_id=loaded.learner_id,
        course_id=loaded.course_id,
        resource_id=resource_id,
        views=use.views,
        followed=use.followed,
        helped=use.helped,
    )


def _changed(new: Any, old: Any) -> list[tuple[str, Any]]:
    return sorted((key, value) for key, value in new.items() if old.get(key) is not value)


def _upsert(model: Any, rows: list[Any], unique: list[str], fields: list[str]) -> None:
    if rows:
        model.objects.bulk_create(rows, update_conflicts=True, unique_fields=unique, update_fields=fields)


def state_save(loaded: LearnerState, course: Course) -> None:
    """Write the learner-course row and every changed skill, schedule and resource row (upserts)."""
    state, saved = loaded.state, loaded.saved
    _upsert(LearnerCourse, [_course_row(loaded, course)], ["learner", "course_id"], list(COURSE_FIELDS))
    _upsert(
        SkillState,
        [_skill_row(loaded, p) for _s, p in _changed(state.skills, saved.skills)],
        ["learner", "course_id", "skill_id"],
        SKILL_FIELDS,
    )
    _upsert(
        ReviewSchedule,
        [_schedule_row(loaded, r) for _s, r in _changed(state.schedules, saved.schedules)],
        ["learner", "course_id", "skill_id"],
        ["due", "schedule"],
    )
    _upsert(
        ResourceUseRow,
        [_resource_row(loaded, r, use) for r, use in _changed(state.resources, saved.resources)],
        ["learner", "course_id", "resource_id"],
        ["views", "followed", "helped"],
    )
    loaded.saved = state


def states_insert(states: Iterable[tuple[LearnerState, Course]], *, batch_size: int = 2000) -> None:
    """Insert every row of ``states`` into empty tables (the rebuild)."""
    courses: list[LearnerCourse] = []
    skills: list[SkillState] = []
    schedules: list[ReviewSchedule] = []
    resources: list[ResourceUseRow] = []
    for loaded, course in states:
        state = loaded.state
        courses.append(_course_row(loaded, course))
        skills.extend(_skill_row(loaded, state.skills[s]) for s in sorted(state.skills))
        schedules.extend(_schedule_row(loaded, state.schedules[s]) for s in sorted(state.schedules))
        resources.extend(_resource_row(loaded, r, state.resources[r]) for r in sorted(state.resources))
    for model, rows in (
        (LearnerCourse, courses),
        (SkillState, skills),
        (ReviewSchedule, schedules),
        (ResourceUseRow, resources),
    ):
        model.objects.bulk_create(rows, batch_size=batch_size)
