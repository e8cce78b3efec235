"""Reads for practice: the learner's map, the ranked next activities, the choice board, the open question.

Every rule here is the engine's (``engine.policy``, ``engine.mastery``, ``engine.review``); this module
only gathers its inputs from the derived tables.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from learnpath.content.model import Item, Resource
from learnpath.content.templates import instantiate
from learnpath.engine.elo import EloState
from learnpath.engine.mastery import SkillStatus
from learnpath.engine.policy import BoardEntry, Suggestion, choice_board, next_activities, skill_map
from learnpath.web.learning.course_model import CourseModel
from learnpath.web.learning.derive import REVIEW_POLICY, RULE, LearnerState

STATE_LABELS = {
    "mastered": ("Mastered", "✓"),
    "review_due": ("Time to review", "↻"),
    "in_progress": ("Learning", "◐"),
    "ready": ("Ready", "★"),
    "not_yet": ("Not yet", "○"),
}


def item_predictions(state: LearnerState, model: CourseModel) -> dict[str, dict[str, float]]:
    """P(correct) of every item for this learner (Elo with the pack's difficulties), by skill."""
    elo = EloState(
        state.ability,
        state.ability_answers,
        {skill: (entry.ability, entry.answers) for skill, entry in state.skills.items()},
    )
    predictions: dict[str, dict[str, float]] = {}
    for item in model.items.values():
        p = model.elo.predict_correct(elo, item.id, item.skills)
        for skill in item.skills:
            if skill in model.graph:
                predictions.setdefault(skill, {})[item.id] = p
    return predictions


def _seed(state: LearnerState) -> int:
    # The same learner in the same place gets the same ranking, so "Continue" starts what the page showed.
    return zlib.crc32(f"{state.learner_id}:{state.course_id}:{state.last_event_id}".encode())


def suggestions(
    state: LearnerState, model: CourseModel, *, now: datetime, chosen_skill: str | None = None
) -> tuple[Suggestion, ...]:
    """The engine's ranked next activities for this learner now.

    The engine never offers the item just seen; where that leaves nothing (a skill with a single item),
    the same item comes again (a fresh variant if it is a template) rather than nothing at all.
    """
    ranked = _ranked(state, model, now=now, chosen_skill=chosen_skill, last_item=state.last_item_id or None)
    if not ranked and state.last_item_id:
        ranked = _ranked(state, model, now=now, chosen_skill=chosen_skill, last_item=None)
    return ranked


def _ranked(
    state: LearnerState, model: CourseModel, *, now: datetime, chosen_skill: str | None, last_item: str | None
) -> tuple[Suggestion, ...]:
    # coaching imports learning's api at module level; importing it here keeps the two apps acyclic at load.
    from learnpath.web.coaching import api as coaching_api

    reviewed_today, away_since = state.reviews_today(now)
    chosen = chosen_skill or state.chosen_skill_id or None
    if chosen is not None and chosen not in model.graph:
        chosen = None
    assignments = [
        a
        for a in coaching_api.assignments_for(learner_id=state.learner_id, course_id=state.course_id)
        if a.skill_id in model.graph
    ]
    return next_activities(
        model.graph,
        {s: e.progress for s, e in state.skills.items() if s in model.graph},
        item_predictions(state, model),
        now=now,
        random_state=_seed(state),
        schedules={s: r for s, r in state.schedules.items() if s in model.graph},
        chosen_skill=chosen,
        assignments=assignments,
        last_item=last_item,
        recent_skills=[s for s in state.recent_skills if s in model.graph]
        if state.review_day == now.date()
        else [],
        reviewed_today=reviewed_today,
        away_since=away_since,
        rule=RULE,
        review_policy=REVIEW_POLICY,
    )


def board(state: LearnerState, model: CourseModel, *, now: datetime) -> tuple[BoardEntry, ...]:
    """Everything the learner may choose now (ready, learning, due for review), with reasons."""
    reviewed_today, away_since = state.reviews_today(now)
    return choice_board(
        model.graph,
        {s: e.progress for s, e in state.skills.items() if s in model.graph},
        item_predictions(state, model),
        now=now,
        random_state=_seed(state),
        schedules={s: r for s, r in state.schedules.items() if s in model.graph},
        last_item=state.last_item_id or None,
        reviewed_today=reviewed_today,
        away_since=away_since,
        review_policy=REVIEW_POLICY,
    )


def map_states(state: LearnerState, model: CourseModel, *, now: datetime) -> dict[str, SkillStatus]:
    """Every skill's state and reason (today's capped reviews shown as due)."""
    reviewed_today, away_since = state.reviews_today(now)
    return skill_map(
        model.graph,
        {s: e.progress for s, e in state.skills.items() if s in model.graph},
        now=now,
        schedules={s: r for s, r in state.schedules.items() if s in model.graph},
        review_policy=REVIEW_POLICY,
        reviewed_today=reviewed_today,
        away_since=away_since,
    )


@dataclass(frozen=True)
class MapSkill:
    id: str
    name: str
    state: str
    label: str
    icon: str
    reason: str
    p_mastered: float
    depth: int


def map_skills(state: LearnerState, model: CourseModel, *, now: datetime) -> list[MapSkill]:
    """The skill map as the pages and the API show it, in prerequisite order."""
    out = []
    for skill_id, status in map_states(state, model, now=now).items():
        label, icon = STATE_LABELS[str(status.state)]
        entry = state.skills.get(skill_id)
        out.append(
            MapSkill(
                id=skill_id,
                name=model.graph.name(skill_id),
                state=str(status.state),
                label=label,
                icon=icon,
                reason=status.reason,
                p_mastered=round(entry.progress.p_mastered, 4) if entry else 0.0,
                depth=model.graph.depth(skill_id),
            )
        )
    return out


def variant(model: CourseModel, item_id: str, seed: int | None) -> Item:
    """The item as this learner sees it: a template's variant for ``seed``, else the item itself."""
    item = model.items[item_id]
    return instantiate(item, int(seed or 0)) if item.is_template else item


def resources_for(state: LearnerState, model: CourseModel, skills: list[str]) -> list[Resource]:
    """The skills' resources, those that helped this learner before first (then most opened, pack order).

    "Helped" is how often the next answer on the skill after opening the resource was right, smoothed
    towards one half (Laplace) so one lucky answer does not outrank everything.
    """
    ids: list[str] = []
    for skill in skills:
        ids.extend(r for r in model.skill_resources.get(skill, ()) if r not in ids)

    def rank(resource_id: str) -> tuple[float, int, int]:
        views, followed, helped = state.resources.get(resource_id, [0, 0, 0])
        score = (helped + 1) / (followed + 2) if followed else 0.0
        return (-score, -views, model.positions.get(resource_id, 0))

    return [model.resources[r] for r in sorted(ids, key=rank)]


def activity_document(model: CourseModel, attempt: dict[str, Any]) -> dict[str, Any]:
    """The open question as plain data (API and pages): text of the variant, parts, what is solved."""
    item = variant(model, attempt["item_id"], attempt["seed"])

    def part(step: Any) -> dict[str, Any]:
        return {
            "id": step.id if step is not item.main else "",
            "type": step.type,
            "prompt": step.prompt,
            "choices": [{"id": c.id, "text": c.text} for c in step.choices],
            "unit": step.unit,
            "hints_available": len(step.hints),
        }

    steps = []
    for step in item.steps:
        entry = part(step)
        entry["scaffolds"] = [part(s) for s in step.scaffolds]
        steps.append(entry)
    return {
        "item_id": item.id,
        "seed": attempt["seed"],
        "skills": list(item.skills),
        "kind": attempt.get("kind", ""),
        "reason": attempt.get("reason", ""),
        "type": item.type,
        "prompt": item.prompt,
        "choices": [{"id": c.id, "text": c.text} for c in item.main.choices],
        "unit": item.main.unit,
        "hints_available": len(item.main.hints),
        "steps": steps,
        "solved": list(attempt.get("solved", [])),
        "finished": bool(attempt.get("finished")),
    }


# -- reads for teachers and guardians (coaching, guardians): several learners at once ------------------


@dataclass(frozen=True)
class SkillProgressRow:
    """One learner on one skill, as the derived tables hold it."""

    learner_id: int
    skill_id: str
    p_mastered: float
    answers: int
    mastered: bool
    lapsed: bool
    last_practised: datetime | None
    course_id: str = ""


@dataclass(frozen=True)
class EventRow:
    """One event of a learner for a teacher's eyes: what was done, on which skills, with what verdict."""

    id: int
    learner_id: int
    kind: str
    item_id: str
    step_id: str
    skill_ids: tuple[str, ...]
    verdict: str
    response_text: str
    occurred_at: datetime


def _item_skills(course_id: str) -> dict[str, tuple[str, ...]]:
    from learnpath.web.curriculum import api as curriculum_api
    from learnpath.web.learning.course_model import course_model

    info = curriculum_api.course_info(course_id=course_id)
    if info is None:
        return {}
    return {item_id: item.skills for item_id, item in course_model(info.id, info.checksum).items.items()}


PROGRESS_FIELDS = (
    "learner_id",
    "skill_id",
    "p_mastered",
    "answers",
    "mastered_at",
    "lapsed",
    "last_practised",
)
EVENT_ROW_FIELDS = (
    "id",
    "learner_id",
    "kind",
    "item_id",
    "step_id",
    "skill_id",
    "verdict",
    "result",
    "occurred_at",
)
REPLAY_FIELDS = (
    "id",
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


def skill_progress_rows(*, learner_ids: list[int], course_id: str | None) -> list[SkillProgressRow]:
    """Every (learner, skill) state of these learners in the course (``None``: every course): one query."""
    from learnpath.web.learning.models import SkillState

    rows = SkillState.objects.filter(learner_id__in=learner_ids)
    if course_id is not None:
        rows = rows.filter(course_id=course_id)
    return [
        SkillProgressRow(learner, skill, p, answers, mastered_at is not None, lapsed, last, course)
        for learner, skill, p, answers, mastered_at, lapsed, last, course in rows.values_list(
            *PROGRESS_FIELDS, "course_id"
        )
    ]


def last_active_at(*, learner_ids: list[int], course_id: str) -> dict[int, datetime | None]:
    """When each learner last did anything in the course (absent: never): one query."""
    from learnpath.web.learning.models import LearnerCourse

    return dict(
        LearnerCourse.objects.filter(learner_id__in=learner_ids, course_id=course_id).values_list(
            "learner_id", "last_active_at"
        )
    )


def recent_events(
    *, learner_ids: list[int], course_id: str, per_learner: int = 10, learner_id: int | None = None
) -> dict[int, list[EventRow]]:
    """Each learner's latest ``per_learner`` events in the course, newest first: one query (a window)."""
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber

    from learnpath.web.learning.models import Event

    ids = [learner_id] if learner_id is not None else learner_ids
    rows = (
        Event.objects.filter(learner_id__in=ids, course_id=course_id)
        .annotate(rank=Window(RowNumber(), partition_by=[F("learner_id")], order_by=F("id").desc()))
        .filter(rank__lte=per_learner)
        .order_by("learner_id", "-id")
        .values_list(*EVENT_ROW_FIELDS)
    )
    item_skills = _item_skills(course_id)
    out: dict[int, list[EventRow]] = {}
    for event_id, learner, kind, item_id, step_id, skill_id, verdict, result, occurred_at in rows:
        skills = (skill_id,) if skill_id else item_skills.get(item_id, ())
        response = str((result or {}).get("response_text", ""))[:200]
        out.setdefault(learner, []).append(
            EventRow(event_id, learner, kind, item_id, step_id, skills, verdict, response, occurred_at)
        )
    return out


def mastery_history(*, learner_id: int, course_id: str) -> dict[str, list[tuple[datetime, float]]]:
    """P(mastered) of each skill after each counted answer, replayed from the learner's event log."""
    from learnpath.web.curriculum import api as curriculum_api
    from learnpath.web.learning.course_model import course_model
    from learnpath.web.learning.derive import EventData, apply_event
    from learnpath.web.learning.models import Event

    info = curriculum_api.course_info(course_id=course_id)
    if info is None:
        return {}
    model = course_model(info.id, info.checksum)
    state = LearnerState(learner_id=learner_id, course_id=course_id)
    history: dict[str, list[tuple[datetime, float]]] = {}
    events = Event.objects.filter(learner_id=learner_id, course_id=course_id).order_by("id")
    for row in events.values(*REPLAY_FIELDS):
        effects = apply_event(state, EventData(**row), model)
        if effects.observed and row["item_id"] in model.items:
            for skill in model.items[row["item_id"]].skills:
                entry = state.skills.get(skill)
                if entry is not None:
                    history.setdefault(skill, []).append((row["occurred_at"], entry.progress.p_mastered))
    return history
