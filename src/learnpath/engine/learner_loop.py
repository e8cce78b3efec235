"""The learner loop: what one event does to one learner's state in one course. The one place it is decided.

``apply(state, event, course) -> state`` is pure: a frozen ``CourseState`` and a ``LearnerEvent`` in, a new
``CourseState`` out (``step`` also returns the ``Effects`` to tell the learner). The web converts its rows
to a ``CourseState`` and back and persists it; ``learnpath rebuild-state`` replays the log through it; the
simulator drives it with simulated answers; so all three meet the same rules. ``suggest``, ``board`` and
``skill_map`` read a state for the policy (``policy``) with the same inputs everywhere.

The rules (decision 0040, docs/learners.md):

- **Evidence.** One observation per question shown. For a one-part question it is the first answer; for a
  multi-step question it is made when the last step is answered right. It is right only when every part
  was right at the first try, with no hint and no worked solution seen before. "I haven't learned this
  yet" (a skip) is an observation that is not right. Later tries on the same question get feedback and are
  logged, but teach the model nothing more. A question on an item whose worked solution the learner saw
  in the last ``SOLUTION_MEMORY`` is no evidence at all: answering it right shows memory of the solution,
  not mastery.
- **Learner model.** The observation goes to the course's served model (``served_model``), which returns
  its new state and P(mastered) of the item's skills.
- **Mastery** (``mastery``): ``SkillProgress.after_answer`` with the course's ``MasteryRule``; mastery is
  never taken away, a miss after mastery marks the skill lapsed.
- **Review** (``review``): ``schedule_after_answer`` — the answer that reaches mastery starts the skill's
  FSRS schedule, every later answer on it is a review rated by ``rating_for_answer``. An answer on a skill
  whose review is due counts towards the day's review cap.
- **Review days and the gentle restart.** The first event of a new (UTC) day starts a review day; after
  ``restart_after_days`` away, the backlog of overdue reviews is spread over the next days
  (``review.spread_backlog``) and the first day back has the smaller cap.
- **Interleaving.** The skills of the questions shown today (the last ``RECENT_SKILLS``) feed the policy's
  limit on questions in a row on one skill; a new day starts afresh.
- **Unlocks.** A new mastery that makes a skill ready reports it unlocked.
- **Resources.** Opening a resource marks it pending on its skills; the next observation on such a skill
  counts the resource as followed, and as helpful if that answer was right.
- **Placement.** A finished placement seeds the skills (``placement.seed_progress``): placed-known skills
  become mastered and start review; a re-check never takes mastery away (a mastered skill placed as not
  known becomes lapsed). Each placement question counts as a showing of its item, so practice does not
  ask it again at once.
- **Items shown.** How many times each item was shown, and when its worked solution was last seen, feed
  the policy's rotation (no item returns within a skill while unseen ones remain).
- **A teacher's override** (``override``, decision 0040's amendment): a teacher of the learner's class marks
  a skill *mastered* (``mastered_at`` is set if it was not, a lapse is cleared, and a newly mastered skill
  starts its review schedule, rated Good, and may unlock others) or *needs another look* (a mastered skill
  becomes lapsed, so it is a review due first of all; mastery is never taken away). Either way the
  teacher's reason is kept beside the skill (``TeacherNote``) and told to the learner, until the learner's
  next answer on that skill. It is not the learner's activity: it starts no review day and leaves
  ``last_active_at`` alone.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cached_property
from typing import Any

from immutables import Map

from learnpath.engine.answers import Answer, require_utc
from learnpath.engine.mastery import (
    MasteryRule,
    MasteryState,
    SkillProgress,
    SkillStatus,
    lapsed_reason,
    mastered_skills,
)
from learnpath.engine.placement import Outcome, PlacementResult, seed_progress
from learnpath.engine.policy import (
    Assignment,
    BoardEntry,
    PolicyConfig,
    Suggestion,
    SuggestionKind,
    choice_board,
    next_activities,
)
from learnpath.engine.policy import skill_map as policy_skill_map
from learnpath.engine.review import (
    DAY,
    Confidence,
    Rating,
    ReviewPolicy,
    ReviewSchedule,
    rating_for_answer,
    schedule_after_answer,
    spread_backlog,
    start_review,
)
from learnpath.engine.served_model import ServedModel
from learnpath.engine.skill_graph import SkillGraph
from learnpath.engine.wording import _

MAIN_PART = ""
"""The part id of a one-part question (and of a multi-step question's own hints)."""
RECENT_SKILLS = 6
SOLUTION_MEMORY = timedelta(days=1)
FORMAT_VERSION = 1
DEFAULT_RULE = MasteryRule()
DEFAULT_REVIEW_POLICY = ReviewPolicy()
DEFAULT_CONFIG = PolicyConfig()


class EventKind(StrEnum):
    """What a learner did (the ``kind`` of an event in the log)."""

    START = "start"
    ANSWER = "answer"
    SKIP = "skip"
    HINT = "hint"
    SOLUTION = "solution"
    RESOURCE = "resource"
    CHOICE = "choice"
    PLACEMENT_ANSWER = "placement_answer"
    PLACEMENT = "placement"
    OVERRIDE = "override"


class OverrideDirection(StrEnum):
    """What a teacher's override says about a skill."""

    MASTERED = "mastered"
    NEEDS_REVIEW = "not_mastered"
    """ "Not mastered": the skill needs another look (lapsed, review due); mastery is never taken away."""


# -- the course ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoopItem:
    """An item as the loop sees it: its skills, and how many variants it has (1 unless a template)."""

    skills: tuple[str, ...]
    variants: int = 1


@dataclass(frozen=True)
class Course:
    """One course version as the loop needs it: the graph, the items, the served model and the rules."""

    graph: SkillGraph
    items: Mapping[str, LoopItem]
    model: ServedModel
    rule: MasteryRule = DEFAULT_RULE
    review_policy: ReviewPolicy = DEFAULT_REVIEW_POLICY
    config: PolicyConfig = DEFAULT_CONFIG

    def skill_name(self, skill_id: str) -> str:
        return self.graph.name(skill_id) if skill_id in self.graph else skill_id

    @cached_property
    def skill_items(self) -> Mapping[str, tuple[str, ...]]:
        """Each skill's items, in the order given."""
        out: dict[str, list[str]] = {}
        for item_id, item in self.items.items():
            for skill in item.skills:
                if skill in self.graph:
                    out.setdefault(skill, []).append(item_id)
        return {skill: tuple(ids) for skill, ids in out.items()}


# -- events --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LastAnswer:
    """The latest answer on the open question, as the learner was told (for showing it again)."""

    step_id: str
    status: str
    message: str = ""
    feedback: Any = None
    response: str = ""


@dataclass(frozen=True, slots=True)
class LearnerEvent:
    """One event of the log, as the loop reads it.

    ``start``: ``item_id``, ``seed``, ``skills``, ``steps``, ``suggestion`` and ``reason``. ``answer``:
    ``step_id``, ``verdict`` ("correct" or not), ``confidence`` and ``shown`` (what the learner was told).
    ``hint``: ``step_id``. ``resource``: ``resource_id`` and its ``skills``. ``choice``: ``skill_id``.
    ``placement_answer``: ``item_id``. ``placement``: ``placement``. ``override`` (a teacher's):
    ``skill_id``, ``direction`` (``OverrideDirection``) and ``reason`` (the teacher's words).
    """

    kind: EventKind
    at: datetime
    item_id: str = ""
    seed: int | None = None
    step_id: str = ""
    skill_id: str = ""
    resource_id: str = ""
    verdict: str = ""
    confidence: str = ""
    skills: tuple[str, ...] = ()
    steps: tuple[str, ...] = (MAIN_PART,)
    suggestion: str = ""
    reason: str = ""
    shown: LastAnswer | None = None
    placement: PlacementResult | None = None
    direction: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", EventKind(self.kind))
        object.__setattr__(self, "at", require_utc(self.at, "event time"))
        if self.kind is EventKind.PLACEMENT and self.placement is None:
            raise ValueError("a placement event needs its placement result")
        if self.kind is EventKind.OVERRIDE:
            if not self.skill_id:
                raise ValueError("an override event needs its skill")
            object.__setattr__(self, "direction", OverrideDirection(self.direction))


# -- state ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenQuestion:
    """The question shown last and its progress: parts solved, hints, the evidence made, the last answer.

    ``counts`` is False for an item whose worked solution the learner saw in the last ``SOLUTION_MEMORY``
    when it was shown: such a question is no evidence.
    """

    item_id: str
    seed: int | None
    skills: tuple[str, ...]
    steps: tuple[str, ...] = (MAIN_PART,)
    kind: str = ""
    reason: str = ""
    solved: tuple[str, ...] = ()
    scaffolds_solved: tuple[str, ...] = ()
    first_try: Mapping[str, bool] = field(default_factory=dict)
    hints: Mapping[str, int] = field(default_factory=dict)
    hints_used: int = 0
    solution: bool = False
    observed: bool = False
    finished: bool = False
    counts: bool = True
    last: LastAnswer | None = None
    messages: tuple[str, ...] = ()

    @property
    def one_part(self) -> bool:
        return self.steps == (MAIN_PART,)

    def current_step(self) -> str | None:
        """The first part not answered right yet (None when all are)."""
        return next((step for step in self.steps if step not in self.solved), None)

    def to_dict(self) -> dict[str, Any]:
        last = self.last
        return {
            "item_id": self.item_id,
            "seed": self.seed,
            "skills": list(self.skills),
            "steps": list(self.steps),
            "kind": self.kind,
            "reason": self.reason,
            "solved": list(self.solved),
            "scaffolds_solved": list(self.scaffolds_solved),
            "first_try": dict(self.first_try),
            "hints": dict(self.hints),
            "hints_used": self.hints_used,
            "solution": self.solution,
            "observed": self.observed,
            "finished": self.finished,
            "counts": self.counts,
            "last": None
            if last is None
            else {
                "step_id": last.step_id,
                "status": last.status,
                "message": last.message,
                "feedback": last.feedback,
                "response": last.response,
            },
            "messages": list(self.messages),
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> OpenQuestion:
        last = document.get("last")
        seed = document.get("seed")
        return cls(
            item_id=str(document["item_id"]),
            seed=None if seed is None else int(seed),
            skills=tuple(str(s) for s in document["skills"]),
            steps=tuple(str(s) for s in document["steps"]),
            kind=str(document.get("kind", "")),
            reason=str(document.get("reason", "")),
            solved=tuple(str(s) for s in document.get("solved", ())),
            scaffolds_solved=tuple(str(s) for s in document.get("scaffolds_solved", ())),
            first_try={str(k): bool(v) for k, v in document.get("first_try", {}).items()},
            hints={str(k): int(v) for k, v in document.get("hints", {}).items()},
            hints_used=int(document.get("hints_used", 0)),
            solution=bool(document.get("solution", False)),
            observed=bool(document.get("observed", False)),
            finished=bool(document.get("finished", False)),
            counts=bool(document.get("counts", True)),
            last=None
            if last is None
            else LastAnswer(
                step_id=str(last["step_id"]),
                status=str(last["status"]),
                message=str(last.get("message", "")),
                feedback=last.get("feedback"),
                response=str(last.get("response", "")),
            ),
            messages=tuple(str(m) for m in document.get("messages", ())),
        )


@dataclass(frozen=True, slots=True)
class ResourceUse:
    """How often a resource was opened, followed by an answer on its skill, and that answer right."""

    views: int = 0
    followed: int = 0
    helped: int = 0


@dataclass(frozen=True, slots=True)
class ItemUse:
    """How often an item was shown to the learner, and when they last saw its worked solution."""

    shown: int = 0
    solution_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TeacherNote:
    """A teacher's override of one skill, kept to tell the learner: the direction, the reason, when."""

    direction: OverrideDirection
    reason: str
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"direction": str(self.direction), "reason": self.reason, "at": self.at.isoformat()}

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> TeacherNote:
        return cls(
            direction=OverrideDirection(document["direction"]),
            reason=str(document["reason"]),
            at=require_utc(datetime.fromisoformat(document["at"]), "override time"),
        )


_EMPTY: Map[Any, Any] = Map()


@dataclass(frozen=True, slots=True)
class CourseState:
    """One learner's state in one course. Per-skill, per-item and per-resource tables are persistent maps:
    an event replaces only the entries it changes, so a caller can tell what changed by identity."""

    model_state: Any = None
    model_version: str = ""
    question: OpenQuestion | None = None
    recent_skills: tuple[str, ...] = ()
    last_item_id: str = ""
    chosen_skill_id: str = ""
    last_active_at: datetime | None = None
    away_since: datetime | None = None
    review_day: date | None = None
    reviewed_today: int = 0
    pending_resources: Mapping[str, tuple[str, ...]] = _EMPTY
    skills: Mapping[str, SkillProgress] = _EMPTY
    schedules: Mapping[str, ReviewSchedule] = _EMPTY
    resources: Mapping[str, ResourceUse] = _EMPTY
    items: Mapping[str, ItemUse] = _EMPTY
    teacher_notes: Mapping[str, TeacherNote] = _EMPTY

    def open_question(self) -> OpenQuestion | None:
        """The question shown and not finished yet, or None."""
        if self.question is None or self.question.finished:
            return None
        return self.question

    def reviews_today(self, now: datetime) -> tuple[int, datetime | None]:
        """(reviews done today, last activity before today) as seen at ``now``."""
        if self.review_day == now.date():
            return self.reviewed_today, self.away_since
        return 0, self.last_active_at


def initial_state(course: Course) -> CourseState:
    """A learner who has done nothing in the course yet."""
    return CourseState(model_state=course.model.initial_state(), model_version=course.model.version)


@dataclass(frozen=True, slots=True)
class Effects:
    """What an event changed that the learner should be told."""

    observed: bool = False
    finished: bool = False
    mastered: tuple[str, ...] = ()
    unlocked: tuple[str, ...] = ()
    lapsed: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()
    evidence: Answer | None = None
    """The observation the served model was given (None when the event made none)."""


# -- apply ---------------------------------------------------------------------------------------------


def apply(state: CourseState, event: LearnerEvent, course: Course) -> CourseState:
    """The state after ``event`` (events must come in log order); ``state`` is not changed."""
    return step(state, event, course)[0]


def step(state: CourseState, event: LearnerEvent, course: Course) -> tuple[CourseState, Effects]:
    """``apply``, with what to tell the learner."""
    if state.model_version != course.model.version:
        raise ValueError(
            f"the learner's model state is of model {state.model_version!r} but the course serves "
            f"{course.model.version!r}: call switch_model with the learner's earlier events first"
        )
    now = event.at
    work = _Work(state, course)
    kind = event.kind
    if kind is EventKind.OVERRIDE:
        # the teacher's action, not the learner's: no review day starts, the learner was not active
        work.override(event)
        return work.result(), work.effects()
    work.new_day(now)
    work.set(last_active_at=now)
    question = state.question
    if kind is EventKind.START:
        work.start(event)
    elif kind is EventKind.CHOICE:
        work.set(chosen_skill_id=event.skill_id)
    elif kind is EventKind.RESOURCE:
        work.resource_view(event)
    elif kind is EventKind.PLACEMENT_ANSWER:
        work.shown(event.item_id)
    elif kind is EventKind.PLACEMENT:
        assert event.placement is not None
        work.placement(event.placement, now)
    elif question is not None and not question.finished:
        if kind is EventKind.HINT:
            hints = dict(question.hints)
            hints[event.step_id] = hints.get(event.step_id, 0) + 1
            work.question = replace(question, hints=hints, hints_used=question.hints_used + 1)
        elif kind is EventKind.SOLUTION:
            work.question = replace(question, solution=True)
            use = work.items.get(question.item_id, ItemUse())
            work.items = work.items.set(question.item_id, replace(use, solution_at=now))
        elif kind is EventKind.SKIP:
            work.finish(correct=False, now=now, confidence="")
        elif kind is EventKind.ANSWER:
            work.answer(event)
        if kind in (EventKind.ANSWER, EventKind.SKIP) and work.question is not None:
            work.question = replace(work.question, messages=tuple(work.messages))
    return work.result(), work.effects()


class _Work:
    """The state being changed by one event (private: ``apply`` returns a frozen state at the end)."""

    def __init__(self, state: CourseState, course: Course) -> None:
        self.base = state
        self.course = course
        self.changes: dict[str, Any] = {}
        self.question = state.question
        self.skills: Map[str, SkillProgress] = _as_map(state.skills)
        self.schedules: Map[str, ReviewSchedule] = _as_map(state.schedules)
        self.resources: Map[str, ResourceUse] = _as_map(state.resources)
        self.items: Map[str, ItemUse] = _as_map(state.items)
        self.pending: Map[str, tuple[str, ...]] = _as_map(state.pending_resources)
        self.notes: Map[str, TeacherNote] = _as_map(state.teacher_notes)
        self.observed = False
        self.finished = False
        self.mastered: list[str] = []
        self.unlocked: list[str] = []
        self.lapsed: list[str] = []
        self.messages: list[str] = []
        self.evidence: Answer | None = None

    def get(self, name: str) -> Any:
        return self.changes[name] if name in self.changes else getattr(self.base, name)

    def set(self, **changes: Any) -> None:
        self.changes.update(changes)

    def result(self) -> CourseState:
        return replace(
            self.base,
            question=self.question,
            skills=self.skills,
            schedules=self.schedules,
            resources=self.resources,
            items=self.items,
            pending_resources=self.pending,
            teacher_notes=self.notes,
            **self.changes,
        )

    def effects(self) -> Effects:
        return Effects(
            observed=self.observed,
            finished=self.finished,
            mastered=tuple(self.mastered),
            unlocked=tuple(self.unlocked),
            lapsed=tuple(self.lapsed),
            messages=tuple(self.messages),
            evidence=self.evidence,
        )

    # -- days, questions, resources ----------------------------------------------------------------

    def new_day(self, now: datetime) -> None:
        """Start a new review day; after days away, spread the backlog of reviews (the gentle restart)."""
        if self.base.review_day == now.date():
            return
        away_since = self.base.last_active_at
        # interleaving is about one day's session, not last week's
        self.set(away_since=away_since, review_day=now.date(), reviewed_today=0, recent_skills=())
        policy = self.course.review_policy
        if away_since is None or not self.schedules or now - away_since < policy.restart_after_days * DAY:
            return
        spread = spread_backlog(self.schedules, now=now, policy=policy, away_since=away_since)
        for skill, schedule in spread.items():
            if schedule != self.schedules.get(skill):
                self.schedules = self.schedules.set(skill, schedule)

    def shown(self, item_id: str) -> None:
        if item_id:
            use = self.items.get(item_id, ItemUse())
            self.items = self.items.set(item_id, replace(use, shown=use.shown + 1))

    def start(self, event: LearnerEvent) -> None:
        """A question is shown: it becomes the open one (an unfinished earlier one is left)."""
        use = self.items.get(event.item_id)
        recently_solved = (
            use is not None and use.solution_at is not None and event.at - use.solution_at < SOLUTION_MEMORY
        )
        self.question = OpenQuestion(
            item_id=event.item_id,
            seed=event.seed,
            skills=event.skills,
            steps=event.steps or (MAIN_PART,),
            kind=event.suggestion,
            reason=event.reason,
            counts=not recently_solved,
        )
        self.shown(event.item_id)
        self.set(last_item_id=event.item_id)
        if event.skills:
            self.set(recent_skills=(*self.get("recent_skills"), event.skills[0])[-RECENT_SKILLS:])

    def resource_view(self, event: LearnerEvent) -> None:
        use = self.resources.get(event.resource_id, ResourceUse())
        self.resources = self.resources.set(event.resource_id, replace(use, views=use.views + 1))
        for skill in event.skills:
            pending = self.pending.get(skill, ())
            if event.resource_id not in pending:
                self.pending = self.pending.set(skill, (*pending, event.resource_id))

    # -- answers -----------------------------------------------------------------------------------

    def answer(self, event: LearnerEvent) -> None:
        question = self.question
        assert question is not None
        correct = event.verdict == "correct"
        question = replace(question, last=event.shown or LastAnswer(event.step_id, event.verdict))
        if event.step_id not in question.steps:  # a scaffold: practice on the way, not evidence
            if correct and event.step_id not in question.scaffolds_solved:
                question = replace(question, scaffolds_solved=(*question.scaffolds_solved, event.step_id))
            self.question = question
            return
        if event.step_id not in question.first_try:
            question = replace(question, first_try={**question.first_try, event.step_id: correct})
        if correct and event.step_id not in question.solved:
            question = replace(question, solved=(*question.solved, event.step_id))
        self.question = question
        if question.one_part and not question.observed:
            self.observe(correct=correct, now=event.at, confidence=event.confidence)
        assert self.question is not None
        if self.question.current_step() is None:
            self.finish(
                correct=all(self.question.first_try.values()), now=event.at, confidence=event.confidence
            )

    def finish(self, *, correct: bool, now: datetime, confidence: str) -> None:
        assert self.question is not None
        if not self.question.observed:
            self.observe(correct=correct, now=now, confidence=confidence)
        self.question = replace(self.question, finished=True)
        self.finished = True

    def observe(self, *, correct: bool, now: datetime, confidence: str) -> None:
        """The question's one piece of evidence: the served model, mastery, reviews, resources, unlocks."""
        question = self.question
        assert question is not None
        self.question = replace(question, observed=True)
        self.observed = True
        skills = tuple(s for s in question.skills if s in self.course.graph)
        if not skills or not question.counts:
            return
        course = self.course
        hints = question.hints_used
        unaided = correct and hints == 0 and not question.solution
        answer = Answer(learner="", item=question.item_id, skills=skills, correct=unaided, time=now)
        self.evidence = answer
        before = {s: self.skills[s].p_mastered for s in skills if s in self.skills}
        model_state, p_after = course.model.observe(self.get("model_state"), before, answer)
        self.set(model_state=model_state)
        mastered_before = mastered_skills(self.skills)
        rating = rating_for_answer(
            correct=correct and not question.solution,
            hints_used=hints,
            confidence=Confidence(confidence) if confidence else None,
        )
        for skill in skills:
            entry = self.skills.get(skill) or SkillProgress(skill_id=skill)
            progress = entry.after_answer(
                correct=unaided, p_mastered=p_after[skill], now=now, rule=course.rule
            )
            self.skills = self.skills.set(skill, progress)
            schedule = self.schedules.get(skill)
            if schedule is not None and schedule.due <= now:
                self.set(reviewed_today=self.get("reviewed_today") + 1)
            after = schedule_after_answer(
                schedule,
                skill_id=skill,
                mastered=progress.is_mastered,
                rating=rating,
                now=now,
                policy=course.review_policy,
            )
            if after is not None:
                self.schedules = self.schedules.set(skill, after)
            name = course.skill_name(skill)
            if progress.is_mastered and not entry.is_mastered:
                self.mastered.append(skill)
                self.messages.append(_("You mastered {name}! That skill is yours now.").format(name=name))
                if self.get("chosen_skill_id") == skill:
                    self.set(chosen_skill_id="")
            elif progress.lapsed and not entry.lapsed:
                self.lapsed.append(skill)
                self.messages.append(lapsed_reason(name))
            for resource_id in self.pending.get(skill, ()):
                use = self.resources.get(resource_id, ResourceUse())
                self.resources = self.resources.set(
                    resource_id, replace(use, followed=use.followed + 1, helped=use.helped + int(unaided))
                )
            if skill in self.pending:
                self.pending = self.pending.delete(skill)
            if skill in self.notes:  # the learner has answered on it since: the teacher's note is read
                self.notes = self.notes.delete(skill)
        if self.mastered:
            self.unlocks(mastered_before)

    # -- a teacher's override ----------------------------------------------------------------------

    def override(self, event: LearnerEvent) -> None:
        """A teacher marks a skill mastered or "needs another look" (see the module docstring)."""
        course, skill, now = self.course, event.skill_id, event.at
        if skill not in course.graph:
            return  # a skill no longer in the course: nothing to change
        direction = OverrideDirection(event.direction)
        self.notes = self.notes.set(skill, TeacherNote(direction, event.reason, now))
        entry = self.skills.get(skill) or SkillProgress(skill_id=skill)
        name = course.skill_name(skill)
        if direction is OverrideDirection.MASTERED:
            if not entry.is_mastered:
                mastered_before = mastered_skills(self.skills)
                self.skills = self.skills.set(skill, replace(entry, mastered_at=now, lapsed=False))
                if skill not in self.schedules:
                    # as for a mastery the loop reaches itself: the first successful recall, rated Good
                    schedule = start_review(skill, now=now, rating=Rating.Good, policy=course.review_policy)
                    self.schedules = self.schedules.set(skill, schedule)
                self.mastered.append(skill)
                if self.get("chosen_skill_id") == skill:
                    self.set(chosen_skill_id="")
                self.unlocks(mastered_before)
            elif entry.lapsed:
                self.skills = self.skills.set(skill, replace(entry, lapsed=False))
            self.messages.insert(0, override_mastered_message(name, event.reason))
        else:
            if entry.is_mastered and not entry.lapsed:
                self.skills = self.skills.set(skill, replace(entry, lapsed=True))
                self.lapsed.append(skill)
            self.messages.append(override_review_message(name, event.reason))

    def unlocks(self, mastered_before: frozenset[str]) -> None:
        graph = self.course.graph
        mastered_after = mastered_skills(self.skills)
        for skill in graph.topological_order():
            if skill in mastered_after or graph.is_ready(skill, mastered_before):
                continue
            if graph.is_ready(skill, mastered_after):
                self.unlocked.append(skill)
                self.messages.append(_("New skill unlocked: {name}.").format(name=graph.name(skill)))

    # -- placement ---------------------------------------------------------------------------------

    def placement(self, result: PlacementResult, now: datetime) -> None:
        """A finished placement seeds the skills (``placement.seed_progress``); see the module docstring."""
        graph = self.course.graph
        for skill, progress in seed_progress(result, now=now, existing=self.skills).items():
            if skill not in graph:
                continue
            before = self.skills.get(skill)
            if progress == before:
                continue
            self.skills = self.skills.set(skill, progress)
            if skill in self.notes:  # the placement speaks about the skill now
                self.notes = self.notes.delete(skill)
            if progress.is_mastered and skill not in self.schedules:
                schedule = start_review(skill, now=now, rating=Rating.Easy, policy=self.course.review_policy)
                self.schedules = self.schedules.set(skill, schedule)
            if progress.is_mastered and (before is None or not before.is_mastered):
                self.mastered.append(skill)
            elif progress.lapsed and before is not None and not before.lapsed:
                self.lapsed.append(skill)
                self.messages.append(
                    placement_lapsed_reason(graph.name(skill), result.evidence.get(skill, ()))
                )


def placement_lapsed_reason(name: str, answers: Sequence[Outcome]) -> str:
    """Why a re-check placement sent a mastered skill back to review, agreeing with what was answered."""
    if Outcome.NOT_LEARNED in answers:
        why = _("Time to review: you said you haven't learned {name} yet.")
    elif answers:
        why = _("Time to review: {name} did not go right in the placement.")
    else:
        why = _("Time to review: the placement suggests {name} needs a refresh.")
    still = _("You still have it mastered, and a quick review will make it strong again.")
    return f"{why.format(name=name)} {still}"


def override_mastered_message(name: str, reason: str) -> str:
    """What the learner is told when a teacher marks a skill mastered."""
    return _("Your teacher marked {name} as mastered: “{reason}”").format(name=name, reason=reason)


def override_review_message(name: str, reason: str) -> str:
    """What the learner is told when a teacher asks for another look at a skill (mastery stays)."""
    asked = _("Your teacher asked you to take another look at {name}: “{reason}”").format(
        name=name, reason=reason
    )
    return f"{asked} {_('You still have it mastered, and a quick review will make it strong again.')}"


def teacher_note_reason(name: str, note: TeacherNote) -> str:
    """The map's reason for a skill a teacher overrode (while the teacher's note stands)."""
    if note.direction is OverrideDirection.MASTERED:
        return _("Mastered: your teacher marked {name} as mastered.").format(name=name)
    asked = _("Time to review: your teacher asked you to take another look at {name}.").format(name=name)
    return f"{asked} {_('You still have it mastered, and a quick review will make it strong again.')}"


def _as_map(mapping: Mapping[str, Any]) -> Map[str, Any]:
    return mapping if isinstance(mapping, Map) else Map(mapping)


def replay(events: Iterable[LearnerEvent], course: Course, state: CourseState | None = None) -> CourseState:
    """The state after every event of ``events`` in order, from ``state`` (a new learner by default)."""
    current = initial_state(course) if state is None else state
    for event in events:
        current = apply(current, event, course)
    return current


def switch_model(state: CourseState, course: Course, history: Iterable[LearnerEvent]) -> CourseState:
    """The state with the model state of the model ``course`` serves, recomputed from the learner's earlier
    events (``history``, all of them, in order). Only the model's own state changes: mastery, reviews and
    everything else the learner was told stay as they were (mastery is never taken away)."""
    replayed = replay(history, course)
    return replace(state, model_state=replayed.model_state, model_version=course.model.version)


def observations(events: Iterable[LearnerEvent], course: Course, *, learner: str) -> list[Answer]:
    """The observations the loop makes of one learner's events (in order): what a model is fitted on."""
    state = initial_state(course)
    found: list[Answer] = []
    for event in events:
        state, effects = step(state, event, course)
        if effects.evidence is not None:
            found.append(replace(effects.evidence, learner=learner))
    return found


# -- reading a state for the policy --------------------------------------------------------------------


def item_predictions(
    state: CourseState, course: Course, skills: Collection[str] | None = None
) -> dict[str, dict[str, float]]:
    """P(correct) of every item for this learner from the served model, by skill (only the items of
    ``skills`` when given: a fitted model's prediction costs tens of microseconds an item)."""
    model, model_state = course.model, state.model_state
    wanted: Collection[str] = (
        course.items.keys()
        if skills is None
        else {item for skill in skills for item in course.skill_items.get(skill, ())}
    )
    predictions: dict[str, dict[str, float]] = {}
    for item_id in wanted:
        item_skills = tuple(s for s in course.items[item_id].skills if s in course.graph)
        if not item_skills:
            continue
        p = model.predict_correct(model_state, item_id, item_skills)
        for skill in item_skills:
            predictions.setdefault(skill, {})[item_id] = p
    return predictions


def _active_skills(
    state: CourseState, course: Course, now: datetime, chosen: str | None, assigned: Iterable[str]
) -> set[str]:
    """The skills the policy can offer without its last-resort tier: ready, learning or due for review,
    assigned, and the chosen skill with the skills on the way to it. Only their items need predictions
    unless nothing else is on offer (then every item's)."""
    states = skill_map(state, course, now=now)
    active = {
        s
        for s, status in states.items()
        if status.state in (MasteryState.READY, MasteryState.IN_PROGRESS, MasteryState.REVIEW_DUE)
    }
    active.update(assigned)
    if chosen is not None:
        active.add(chosen)
        active.update(course.graph.ancestors(chosen))
    return active


def exposures(state: CourseState, course: Course) -> dict[str, int]:
    """Times each item was used up: showings, a template's counting once per ``variants`` showings."""
    out: dict[str, int] = {}
    for item_id, use in state.items.items():
        item = course.items.get(item_id)
        if item is not None and use.shown:
            out[item_id] = use.shown // max(item.variants, 1)
    return out


def avoided_items(state: CourseState, *, now: datetime) -> frozenset[str]:
    """Items not to use as evidence now: their worked solution was seen in the last ``SOLUTION_MEMORY``."""
    return frozenset(
        item_id
        for item_id, use in state.items.items()
        if use.solution_at is not None and now - use.solution_at < SOLUTION_MEMORY
    )


def suggest(
    state: CourseState,
    course: Course,
    *,
    now: datetime,
    random_state: int,
    chosen_skill: str | None = None,
    assignments: Sequence[Assignment] = (),
) -> tuple[Suggestion, ...]:
    """The policy's ranked next activities for this learner now (``policy.next_activities``).

    The policy never offers the item just seen; where that leaves nothing (a skill with a single item),
    the same item comes again (a fresh variant if it is a template) rather than nothing at all.
    """
    now = require_utc(now, "now")
    chosen = chosen_skill or state.chosen_skill_id or None
    if chosen is not None and chosen not in course.graph:
        chosen = None
    reviewed_today, away_since = state.reviews_today(now)
    common: dict[str, Any] = {
        "now": now,
        "random_state": random_state,
        "schedules": _in_graph(state.schedules, course),
        "chosen_skill": chosen,
        "assignments": [a for a in assignments if a.skill_id in course.graph],
        "recent_skills": [s for s in state.recent_skills if s in course.graph]
        if state.review_day == now.date()
        else [],
        "reviewed_today": reviewed_today,
        "away_since": away_since,
        "rule": course.rule,
        "review_policy": course.review_policy,
        "config": course.config,
        "exposures": exposures(state, course),
        "avoid": avoided_items(state, now=now),
    }
    progress = _in_graph(state.skills, course)
    last = state.last_item_id or None
    active = _active_skills(state, course, now, chosen, (a.skill_id for a in common["assignments"]))
    predictions = item_predictions(state, course, active)
    ranked = next_activities(course.graph, progress, predictions, last_item=last, **common)
    if not ranked or ranked[0].kind is SuggestionKind.EXTRA:
        # nothing but the last-resort tier among the active skills: it needs every item's prediction
        predictions = item_predictions(state, course)
        ranked = next_activities(course.graph, progress, predictions, last_item=last, **common)
    if not ranked and state.last_item_id:
        ranked = next_activities(course.graph, progress, predictions, last_item=None, **common)
    return ranked


def board(state: CourseState, course: Course, *, now: datetime, random_state: int) -> tuple[BoardEntry, ...]:
    """Everything the learner may choose now (``policy.choice_board``), with reasons."""
    active = _active_skills(state, course, now, None, ())
    entries = _board(state, course, now, random_state, item_predictions(state, course, active))
    if any(entry.state is MasteryState.MASTERED or entry.item_id is None for entry in entries):
        # the board fell back to mastered skills: their items need predictions too
        entries = _board(state, course, now, random_state, item_predictions(state, course))
    return entries


def _board(
    state: CourseState,
    course: Course,
    now: datetime,
    random_state: int,
    predictions: Mapping[str, Mapping[str, float]],
) -> tuple[BoardEntry, ...]:
    reviewed_today, away_since = state.reviews_today(now)
    return choice_board(
        course.graph,
        _in_graph(state.skills, course),
        predictions,
        now=now,
        random_state=random_state,
        schedules=_in_graph(state.schedules, course),
        last_item=state.last_item_id or None,
        reviewed_today=reviewed_today,
        away_since=away_since,
        review_policy=course.review_policy,
        config=course.config,
        exposures=exposures(state, course),
        avoid=avoided_items(state, now=now),
    )


def skill_map(state: CourseState, course: Course, *, now: datetime) -> dict[str, SkillStatus]:
    """Every skill's state and reason (today's capped reviews shown as due)."""
    reviewed_today, away_since = state.reviews_today(now)
    states = policy_skill_map(
        course.graph,
        _in_graph(state.skills, course),
        now=now,
        schedules=_in_graph(state.schedules, course),
        review_policy=course.review_policy,
        reviewed_today=reviewed_today,
        away_since=away_since,
    )
    for skill, note in _in_graph(state.teacher_notes, course).items():
        status = states[skill]
        entry = state.skills.get(skill)
        lapsed = entry is not None and entry.lapsed
        if (note.direction is OverrideDirection.MASTERED and status.state is MasteryState.MASTERED) or (
            note.direction is OverrideDirection.NEEDS_REVIEW and lapsed
        ):
            states[skill] = replace(status, reason=teacher_note_reason(course.skill_name(skill), note))
    return states


def _in_graph(table: Mapping[str, Any], course: Course) -> dict[str, Any]:
    return {skill: value for skill, value in table.items() if skill in course.graph}
