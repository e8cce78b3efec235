"""From events to derived state: the one function both the live services and the rebuild use.

``LearnerState`` is one learner's derived state in one course, in memory. ``apply_event`` changes it for
one event, calling the engine's pure functions (BKT and Elo ``update``, ``SkillProgress.after_answer``,
FSRS ``start_review``/``record_review``/``spread_backlog``) and marks what it changed. The services load
a ``LearnerState``, apply the new event and write the changed rows in the event's transaction;
``rebuild`` applies every event of the log in order to empty states and writes all rows. Because both go
through ``apply_event`` with nothing but the event and the state, the rebuilt tables equal the live ones.

What counts as evidence (docs/decisions/0040): one observation per question shown. For a one-part
question it is the first answer; for a multi-step question it is made when the last step is answered
right. It is right only when every part was right at the first try, with no hint and no worked solution
seen before. "I haven't learned this yet" is an observation that is not right. Later tries on the same
question get feedback and are logged, but teach the model nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from learnpath.engine.answers import Answer
from learnpath.engine.bkt import BKTState
from learnpath.engine.elo import EloState
from learnpath.engine.mastery import MasteryRule, SkillProgress, lapsed_reason, mastered_skills
from learnpath.engine.placement import PlacementResult, seed_progress
from learnpath.engine.review import (
    DAY,
    Confidence,
    ReviewPolicy,
    ReviewSchedule,
    rating_for_answer,
    record_review,
    spread_backlog,
    start_review,
)
from learnpath.web.learning.course_model import CourseModel

RULE = MasteryRule()
REVIEW_POLICY = ReviewPolicy()
RECENT_SKILLS = 6
MAIN_PART = ""  # the part id of a one-part question and of a multi-step question's own hints
# Placement (learnpath.web.placement): each answer is logged as PLACEMENT_ANSWER (evidence for placement
# only: it changes no derived row), and the finished placement as PLACEMENT, which seeds the skills.
PLACEMENT_ANSWER = "placement_answer"
PLACEMENT = "placement"


@dataclass
class SkillEntry:
    """A learner's engine state on one skill: mastery progress and the Elo offset."""

    progress: SkillProgress
    ability: float = 0.0
    answers: int = 0


@dataclass
class LearnerState:
    """One learner's derived state in one course (the rows of ``LearnerCourse``, ``SkillState``,
    ``ReviewSchedule`` and ``ResourceUse``), with the keys that changed since loading."""

    learner_id: int
    course_id: str
    ability: float = 0.0
    ability_answers: int = 0
    attempt: dict[str, Any] | None = None
    recent_skills: list[str] = field(default_factory=list)
    last_item_id: str = ""
    chosen_skill_id: str = ""
    last_active_at: datetime | None = None
    away_since: datetime | None = None
    review_day: date | None = None
    reviewed_today: int = 0
    pending_resources: dict[str, list[str]] = field(default_factory=dict)
    last_event_id: int = 0
    skills: dict[str, SkillEntry] = field(default_factory=dict)
    schedules: dict[str, ReviewSchedule] = field(default_factory=dict)
    resources: dict[str, list[int]] = field(default_factory=dict)  # id -> [views, followed, helped]
    changed_skills: set[str] = field(default_factory=set)
    changed_schedules: set[str] = field(default_factory=set)
    changed_resources: set[str] = field(default_factory=set)

    def progress(self) -> dict[str, SkillProgress]:
        return {skill: entry.progress for skill, entry in self.skills.items()}

    def open_attempt(self) -> dict[str, Any] | None:
        """The question shown and not finished yet, or None."""
        if self.attempt is None or self.attempt.get("finished"):
            return None
        return self.attempt

    def reviews_today(self, now: datetime) -> tuple[int, datetime | None]:
        """(reviews done today, last activity before today) as seen at ``now``."""
        if self.review_day == now.date():
            return self.reviewed_today, self.away_since
        return 0, self.last_active_at


@dataclass(frozen=True)
class EventData:
    """What ``apply_event`` reads of an event (a saved ``Event`` row or one about to be saved)."""

    id: int
    kind: str
    occurred_at: datetime
    item_id: str = ""
    seed: int | None = None
    step_id: str = ""
    skill_id: str = ""
    resource_id: str = ""
    verdict: str = ""
    confidence: str = ""
    result: dict[str, Any] = field(default_factory=dict)


@dataclass
class Effects:
    """What an event changed that the learner should be told."""

    observed: bool = False
    finished: bool = False
    mastered: list[str] = field(default_factory=list)
    unlocked: list[str] = field(default_factory=list)
    lapsed: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


def apply_event(state: LearnerState, event: EventData, model: CourseModel) -> Effects:
    """Change ``state`` for ``event`` (events must come in log order). Returns what to tell the learner."""
    now = event.occurred_at
    _new_day(state, now)
    state.last_active_at = now
    state.last_event_id = event.id
    effects = Effects()
    kind = event.kind
    if kind == "start":
        _start(state, event)
    elif kind == "choice":
        state.chosen_skill_id = event.skill_id
    elif kind == "resource":
        _resource_view(state, event)
    elif kind == PLACEMENT:
        _placement(state, event, model, effects)
    elif state.attempt is not None and not state.attempt.get("finished"):
        attempt = state.attempt
        if kind == "hint":
            part = event.step_id
            attempt["hints"][part] = attempt["hints"].get(part, 0) + 1
            attempt["hints_used"] += 1
        elif kind == "solution":
            attempt["solution"] = True
        elif kind == "skip":
            _finish(state, attempt, correct=False, now=now, model=model, effects=effects, confidence="")
        elif kind == "answer":
            _answer(state, attempt, event, model, effects)
    if state.attempt is not None and kind in ("answer", "skip"):
        state.attempt["messages"] = effects.messages
    return effects


def _placement(state: LearnerState, event: EventData, model: CourseModel, effects: Effects) -> None:
    """A finished placement seeds the learner's skills (``engine.placement.seed_progress``).

    Skills placed as known become mastered and start spaced review; a skill already mastered stays
    mastered (a re-check that places it as not known marks it lapsed: review due). Never takes mastery away.
    """
    result = PlacementResult.from_dict(event.result["placement"])
    now = event.occurred_at
    existing = {s: e.progress for s, e in state.skills.items()}
    for skill, progress in seed_progress(result, now=now, existing=existing).items():
        if skill not in model.graph:
            continue
        entry = state.skills.get(skill)
        before = entry.progress if entry is not None else None
        if progress == before:
            continue
        state.skills[skill] = SkillEntry(
            progress=progress,
            ability=entry.ability if entry is not None else 0.0,
            answers=entry.answers if entry is not None else 0,
        )
        state.changed_skills.add(skill)
        if progress.is_mastered and skill not in state.schedules:
            state.schedules[skill] = start_review(skill, now=now, policy=REVIEW_POLICY)
            state.changed_schedules.add(skill)
        if progress.is_mastered and (before is None or not before.is_mastered):
            effects.mastered.append(skill)
        elif progress.lapsed and before is not None and not before.lapsed:
            effects.lapsed.append(skill)
            effects.messages.append(lapsed_reason(model.skill_name(skill)))


def _new_day(state: LearnerState, now: datetime) -> None:
    """Start a new review day; after days away, spread the backlog of reviews (the gentle restart)."""
    if state.review_day == now.date():
        return
    state.away_since = state.last_active_at
    state.review_day = now.date()
    state.reviewed_today = 0
    state.recent_skills = []  # interleaving is about one day's session, not last week's
    if state.away_since is None or not state.schedules:
        return
    if now - state.away_since < REVIEW_POLICY.restart_after_days * DAY:
        return
    spread = spread_backlog(state.schedules, now=now, policy=REVIEW_POLICY, away_since=state.away_since)
    for skill, schedule in spread.items():
        if schedule != state.schedules.get(skill):
            state.schedules[skill] = schedule
            state.changed_schedules.add(skill)


def _start(state: LearnerState, event: EventData) -> None:
    """A question is shown: it becomes the open one (an unfinished earlier one is left)."""
    result = event.result
    skills = [str(s) for s in result.get("skills", [])]
    state.attempt = {
        "item_id": event.item_id,
        "seed": event.seed,
        "skills": skills,
        "steps": [str(s) for s in result.get("steps", [MAIN_PART])],
        "kind": str(result.get("suggestion", "")),
        "reason": str(result.get("reason", "")),
        "solved": [],
        "scaffolds_solved": [],
        "first_try": {},
        "hints": {},
        "hints_used": 0,
        "solution": False,
        "observed": False,
        "finished": False,
        "last": None,
        "messages": [],
    }
    state.last_item_id = event.item_id
    if skills:
        state.recent_skills = [*state.recent_skills, skills[0]][-RECENT_SKILLS:]


def _resource_view(state: LearnerState, event: EventData) -> None:
    use = state.resources.setdefault(event.resource_id, [0, 0, 0])
    use[0] += 1
    state.changed_resources.add(event.resource_id)
    for skill in event.result.get("skills", []):
        pending = state.pending_resources.setdefault(str(skill), [])
        if event.resource_id not in pending:
            pending.append(event.resource_id)


def current_step(attempt: dict[str, Any]) -> str | None:
    """The first part of the open question not answered right yet (None when all are)."""
    for step in attempt["steps"]:
        if step not in attempt["solved"]:
            return step
    return None


def _answer(
    state: LearnerState, attempt: dict[str, Any], event: EventData, model: CourseModel, effects: Effects
) -> None:
    correct = event.verdict == "correct"
    attempt["last"] = {
        "step_id": event.step_id,
        "status": event.verdict,
        "message": event.result.get("message", ""),
        "feedback": event.result.get("feedback"),
        "response": event.result.get("response_text", ""),
    }
    if event.step_id not in attempt["steps"]:  # a scaffold: practice on the way, not evidence
        if correct and event.step_id not in attempt["scaffolds_solved"]:
            attempt["scaffolds_solved"].append(event.step_id)
        return
    attempt["first_try"].setdefault(event.step_id, correct)
    if correct and event.step_id not in attempt["solved"]:
        attempt["solved"].append(event.step_id)
    one_part = attempt["steps"] == [MAIN_PART]
    if one_part and not attempt["observed"]:
        _observe(
            state,
            attempt,
            correct=correct,
            now=event.occurred_at,
            model=model,
            effects=effects,
            confidence=event.confidence,
        )
    if current_step(attempt) is None:
        _finish(
            state,
            attempt,
            correct=all(attempt["first_try"].values()),
            now=event.occurred_at,
            model=model,
            effects=effects,
            confidence=event.confidence,
        )


def _finish(
    state: LearnerState,
    attempt: dict[str, Any],
    *,
    correct: bool,
    now: datetime,
    model: CourseModel,
    effects: Effects,
    confidence: str,
) -> None:
    if not attempt["observed"]:
        _observe(
            state, attempt, correct=correct, now=now, model=model, effects=effects, confidence=confidence
        )
    attempt["finished"] = True
    effects.finished = True


def _observe(
    state: LearnerState,
    attempt: dict[str, Any],
    *,
    correct: bool,
    now: datetime,
    model: CourseModel,
    effects: Effects,
    confidence: str,
) -> None:
    """The question's one piece of evidence: update the learner models, mastery and reviews."""
    attempt["observed"] = True
    effects.observed = True
    skills = tuple(attempt["skills"])
    if not skills:
        return
    hints = int(attempt["hints_used"])
    unaided = correct and hints == 0 and not attempt["solution"]
    answer = Answer(
        learner=str(state.learner_id), item=str(attempt["item_id"]), skills=skills, correct=unaided, time=now
    )
    known = {s: state.skills[s].progress.p_mastered for s in skills if s in state.skills}
    bkt_after = model.bkt.update(BKTState(known), answer)
    elo_before = EloState(
        state.ability,
        state.ability_answers,
        {s: (state.skills[s].ability, state.skills[s].answers) for s in skills if s in state.skills},
    )
    elo_after = model.elo.update(elo_before, answer)
    state.ability, state.ability_answers = elo_after.ability, elo_after.answers
    mastered_before = mastered_skills(state.progress())
    rating = rating_for_answer(
        correct=correct and not attempt["solution"],
        hints_used=hints,
        confidence=Confidence(confidence) if confidence else None,
    )
    for skill in skills:
        entry = state.skills.get(skill) or SkillEntry(progress=SkillProgress(skill_id=skill))
        was_mastered = entry.progress.is_mastered
        progress = entry.progress.after_answer(
            correct=unaided, p_mastered=bkt_after.mastery[skill], now=now, rule=RULE
        )
        ability, answers = elo_after.skill(skill)
        state.skills[skill] = SkillEntry(progress=progress, ability=ability, answers=answers)
        state.changed_skills.add(skill)
        name = model.skill_name(skill)
        schedule = state.schedules.get(skill)
        if schedule is not None:
            if schedule.due <= now:
                state.reviewed_today += 1
            state.schedules[skill] = record_review(schedule, rating, now=now, policy=REVIEW_POLICY)
            state.changed_schedules.add(skill)
        elif progress.is_mastered:
            state.schedules[skill] = start_review(skill, now=now, rating=rating, policy=REVIEW_POLICY)
            state.changed_schedules.add(skill)
        if progress.is_mastered and not was_mastered:
            effects.mastered.append(skill)
            effects.messages.append(f"You mastered {name}! That skill is yours now.")
            if state.chosen_skill_id == skill:
                state.chosen_skill_id = ""
        elif progress.lapsed and not entry.progress.lapsed:
            effects.lapsed.append(skill)
            effects.messages.append(lapsed_reason(name))
        for resource_id in state.pending_resources.pop(skill, []):
            use = state.resources.setdefault(resource_id, [0, 0, 0])
            use[1] += 1
            use[2] += int(unaided)
            state.changed_resources.add(resource_id)
    if effects.mastered:
        mastered_after = mastered_skills(state.progress())
        for skill in model.graph.topological_order():
            if skill in mastered_after or model.graph.is_ready(skill, mastered_before):
                continue
            if model.graph.is_ready(skill, mastered_after):
                effects.unlocked.append(skill)
                effects.messages.append(f"New skill unlocked: {model.skill_name(skill)}.")
