"""Reads for practice: the learner's map, the ranked next activities, the choice board, the open question.

Every rule here is the engine's (``engine.policy``, ``engine.mastery``, ``engine.review``); this module
only gathers its inputs from the derived tables.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy, ngettext

from learnpath.content.model import Item, Resource
from learnpath.content.templates import instantiate
from learnpath.engine import learner_loop
from learnpath.engine.learner_loop import OpenQuestion
from learnpath.engine.mastery import MasteryState, SkillProgress, SkillStatus
from learnpath.engine.policy import AnswersNeeded, BoardEntry, Suggestion, answers_to_master
from learnpath.web.learning import habits as habit_rules
from learnpath.web.learning import pacing
from learnpath.web.learning.course_model import CourseModel
from learnpath.web.learning.models import Event, EventKind, LearnerProfile
from learnpath.web.learning.preferences import DEFAULT_DAILY_GOAL
from learnpath.web.learning.store import LearnerState

STATE_LABELS = {
    "mastered": (gettext_lazy("Mastered"), "✓"),
    "review_due": (gettext_lazy("Time to review"), "↻"),
    "in_progress": (gettext_lazy("Learning"), "◐"),
    "ready": (gettext_lazy("Ready"), "★"),
    "not_yet": (gettext_lazy("Not yet"), "○"),
}


def item_predictions(state: LearnerState, model: CourseModel) -> dict[str, dict[str, float]]:
    """P(correct) of every item for this learner (the served model), by skill."""
    return learner_loop.item_predictions(state.state, model.loop)


def _seed(state: LearnerState) -> int:
    # The same learner in the same place gets the same ranking, so "Continue" starts what the page showed.
    return zlib.crc32(f"{state.learner_id}:{state.course_id}:{state.last_event_id}".encode())


def suggestions(
    state: LearnerState, model: CourseModel, *, now: datetime, chosen_skill: str | None = None
) -> tuple[Suggestion, ...]:
    """The engine's ranked next activities for this learner now (``learner_loop.suggest``), with the
    learner's pacing targets from the registered source (``learning.pacing``, decision 0079)."""
    assignments = pacing.assignments_for(learner_id=state.learner_id, course_id=state.course_id)
    return learner_loop.suggest(
        state.state,
        model.loop,
        now=now,
        random_state=_seed(state),
        chosen_skill=chosen_skill,
        assignments=assignments,
    )


def board(state: LearnerState, model: CourseModel, *, now: datetime) -> tuple[BoardEntry, ...]:
    """Everything the learner may choose now (ready, learning, due for review), with reasons."""
    return learner_loop.board(state.state, model.loop, now=now, random_state=_seed(state))


def map_states(state: LearnerState, model: CourseModel, *, now: datetime) -> dict[str, SkillStatus]:
    """Every skill's state and reason (today's capped reviews shown as due)."""
    return learner_loop.skill_map(state.state, model.loop, now=now)


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
    teacher_note: str = ""
    """A teacher's override of this skill in their own words, until the learner's next answer on it."""


def teacher_note_words(note: learner_loop.TeacherNote) -> str:
    """ "Your teacher marked it mastered on 07 Dec: “...”" (or asked for another look)."""
    when = date_format(timezone.localtime(note.at), "d M")
    if note.direction is learner_loop.OverrideDirection.MASTERED:
        words = gettext("Your teacher marked it mastered on %(when)s: “%(reason)s”")
    else:
        words = gettext("Your teacher asked you to take another look at it on %(when)s: “%(reason)s”")
    return words % {"when": when, "reason": note.reason}


def map_skills(state: LearnerState, model: CourseModel, *, now: datetime) -> list[MapSkill]:
    """The skill map as the pages and the API show it, in prerequisite order."""
    out = []
    for skill_id, status in map_states(state, model, now=now).items():
        lazy_label, icon = STATE_LABELS[str(status.state)]
        label = str(lazy_label)  # in the language of this request
        entry = state.state.skills.get(skill_id)
        note = state.state.teacher_notes.get(skill_id)
        out.append(
            MapSkill(
                id=skill_id,
                name=model.graph.name(skill_id),
                state=str(status.state),
                label=label,
                icon=icon,
                reason=status.reason,
                p_mastered=round(entry.p_mastered, 4) if entry else 0.0,
                depth=model.graph.depth(skill_id),
                teacher_note=teacher_note_words(note) if note is not None else "",
            )
        )
    return out


@dataclass(frozen=True)
class MapProgress:
    """A skill's progress as the learner's map shows it (issue 11: visible and honest).

    ``percent`` is the model's P(mastered) rounded down (never shown at the threshold before it is
    reached); ``sure`` says it in words; ``to_master`` is how many more right answers the mastery rule
    needs ("" once mastered, and for a locked skill never answered), a range where the number depends on
    the model; ``next_review`` says when
    a mastered skill comes back ("" for the others or when it has no schedule).
    """

    skill_id: str
    percent: int
    sure: str
    to_master: str
    next_review: str


def mastery_percent(p_mastered: float) -> int:
    """P(mastered) as a whole percentage, rounded down: 0.949 is 94 %, not a 95 % that is not mastered."""
    return max(0, min(100, math.floor(round(p_mastered * 100, 6))))


def to_master_words(needed: AnswersNeeded | None) -> str:
    """ "2 more right answers in a row to master it", or "3 to 10 ..." when it depends on the model."""
    if needed is None:
        return ""
    if needed.exact:
        return ngettext(
            "%(count)d more right answer to master it",
            "%(count)d more right answers in a row to master it",
            needed.at_least,
        ) % {"count": needed.at_least}
    return gettext("%(least)d to %(most)d more right answers in a row to master it") % {
        "least": needed.at_least,
        "most": needed.at_most,
    }


def next_review_words(state: str, due: datetime | None, now: datetime) -> str:
    """ "Review due today", "Next review tomorrow", "Next review in 3 days" (calendar days in the reader's
    time zone, accounts.timezones)."""
    if state == "review_due":
        return gettext("Review due today")
    if state != "mastered" or due is None:
        return ""
    days = (timezone.localtime(due).date() - timezone.localtime(now).date()).days
    if days <= 0:
        return gettext("Review due soon")  # due, but beyond today's review limit: a following day
    if days == 1:
        return gettext("Next review tomorrow")
    return gettext("Next review in %(days)d days") % {"days": days}


def map_progress(state: LearnerState, model: CourseModel, *, now: datetime) -> dict[str, MapProgress]:
    """Every skill's progress towards mastery, and the next review of mastered ones, for the map."""
    out = {}
    for skill_id, status in map_states(state, model, now=now).items():
        entry = state.state.skills.get(skill_id)
        percent = mastery_percent(entry.p_mastered) if entry else 0
        answered = entry is not None and entry.evidence.answers > 0
        if entry is not None and entry.is_mastered:
            sure = gettext("learnpath is %(percent)d %% sure you know it") % {"percent": percent}
        elif answered:
            sure = gettext("learnpath is %(percent)d %% sure you know it so far") % {"percent": percent}
        else:
            sure = gettext("No answers yet")
        needed = answers_to_master(entry or SkillProgress(skill_id=skill_id), model.loop.rule)
        if status.state is MasteryState.NOT_YET and not answered:
            needed = None  # locked and never answered: its reason says what to master first
        schedule = state.state.schedules.get(skill_id)
        out[skill_id] = MapProgress(
            skill_id=skill_id,
            percent=percent,
            sure=sure,
            to_master=to_master_words(needed),
            next_review=next_review_words(str(status.state), schedule.due if schedule else None, now),
        )
    return out


def variant(model: CourseModel, item_id: str, seed: int | None) -> Item:
    """The item as this learner sees it: a template's variant for ``seed``, else the item itself."""
    item = model.items[item_id]
    return instantiate(item, int(seed or 0)) if item.is_template else item


def resources_for(
    state: LearnerState, model: CourseModel, skills: list[str], preferred: Sequence[str] = ()
) -> list[Resource]:
    """The skills' resources: those in the learner's ``preferred`` formats (modalities) first, then within
    each group those that helped this learner before (then most opened, pack order).

    "Helped" is how often the next answer on the skill after opening the resource was right, smoothed
    towards one half (Laplace) so one lucky answer does not outrank everything.
    """
    ids: list[str] = []
    for skill in skills:
        ids.extend(r for r in model.skill_resources.get(skill, ()) if r not in ids)
    liked = set(preferred)

    def rank(resource_id: str) -> tuple[bool, float, int, int]:
        use = state.state.resources.get(resource_id, learner_loop.ResourceUse())
        score = (use.helped + 1) / (use.followed + 2) if use.followed else 0.0
        not_liked = model.resources[resource_id].modality not in liked
        return (not_liked, -score, -use.views, model.positions.get(resource_id, 0))

    return [model.resources[r] for r in sorted(ids, key=rank)]


def activity_document(model: CourseModel, attempt: OpenQuestion) -> dict[str, Any]:
    """The open question as plain data (API and pages): text of the variant, parts, what is solved."""
    item = variant(model, attempt.item_id, attempt.seed)

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
        "seed": attempt.seed,
        "skills": list(item.skills),
        "kind": attempt.kind,
        "reason": attempt.reason,
        "type": item.type,
        "prompt": item.prompt,
        "choices": [{"id": c.id, "text": c.text} for c in item.main.choices],
        "unit": item.main.unit,
        "hints_available": len(item.main.hints),
        "steps": steps,
        "solved": list(attempt.solved),
        "finished": attempt.finished,
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
    seed: int | None = None  # the variant of a parametric item the learner saw


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
    "response_text",
    "occurred_at",
    "seed",
)
"""``response_text``: the learner's answer as the grader read it, taken out of ``result`` by the database
(``KT``), not by decoding every event's whole result in Python."""


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
    from django.db.models.fields.json import KT
    from django.db.models.functions import RowNumber

    from learnpath.web.learning.models import Event

    ids = [learner_id] if learner_id is not None else learner_ids
    rows = (
        Event.objects.filter(learner_id__in=ids, course_id=course_id)
        .annotate(response_text=KT("result__response_text"))
        .annotate(rank=Window(RowNumber(), partition_by=[F("learner_id")], order_by=F("id").desc()))
        .filter(rank__lte=per_learner)
        .order_by("learner_id", "-id")
        .values_list(*EVENT_ROW_FIELDS)
    )
    item_skills = _item_skills(course_id)
    out: dict[int, list[EventRow]] = {}
    for event_id, learner, kind, item_id, step_id, skill_id, verdict, text, occurred_at, seed in rows:
        skills = (skill_id,) if skill_id else item_skills.get(item_id, ())
        response = "" if text is None else str(text)[:200]
        out.setdefault(learner, []).append(
            EventRow(event_id, learner, kind, item_id, step_id, skills, verdict, response, occurred_at, seed)
        )
    return out


def mastery_history(*, learner_id: int, course_id: str) -> dict[str, list[tuple[datetime, float]]]:
    """P(mastered) of each skill after each counted answer, replayed from the learner's event log."""
    from learnpath.web.curriculum import api as curriculum_api
    from learnpath.web.learning.course_model import course_model
    from learnpath.web.learning.models import Event
    from learnpath.web.learning.store import EVENT_FIELDS, replay_rows

    info = curriculum_api.course_info(course_id=course_id)
    if info is None:
        return {}
    history: dict[str, list[tuple[datetime, float]]] = {}
    rows = Event.objects.filter(learner_id=learner_id, course_id=course_id).order_by("id")
    before: Any = {}
    for event, state, effects in replay_rows(
        rows.values("model_version", *EVENT_FIELDS),
        lambda version: course_model(info.id, info.checksum, version).loop,
    ):
        if effects.evidence is not None:
            for skill, progress in state.skills.items():
                if before.get(skill) is not progress:
                    history.setdefault(skill, []).append((event.at, progress.p_mastered))
        before = state.skills
    return history


# -- the learner's profile and habits (issue 11, docs/decisions/0077) ---------------------------------


@dataclass(frozen=True)
class ProfileView:
    """What the learner told learnpath about themselves; the defaults before they said anything."""

    interests: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    daily_goal: int | None = DEFAULT_DAILY_GOAL
    completed_at: datetime | None = None
    skipped_at: datetime | None = None

    @property
    def onboarding_pending(self) -> bool:
        """Neither answered nor put off yet."""
        return self.completed_at is None and self.skipped_at is None


def learner_profile(*, learner_id: int) -> ProfileView:
    """The learner's profile (one query), or the defaults if they have none."""
    row = LearnerProfile.objects.filter(learner_id=learner_id).first()
    if row is None:
        return ProfileView()
    return ProfileView(
        interests=tuple(str(i) for i in row.interests),
        formats=tuple(str(f) for f in row.formats),
        daily_goal=row.daily_goal,
        completed_at=row.completed_at,
        skipped_at=row.skipped_at,
    )


def habits(*, learner_id: int, now: datetime, daily_goal: int | None) -> habit_rules.Habits:
    """Today's questions against the daily goal, and the learner's practice days, in every course.

    Days are calendar days of the current time zone (``timezone.get_current_timezone()``), so a learner's
    own time zone, once activated, changes nothing here. Two queries: the distinct days with an answer,
    and today's starts and answers (a day's worth of rows).
    """
    zone = timezone.get_current_timezone()
    today = now.astimezone(zone).date()
    answers = Event.objects.filter(learner_id=learner_id, kind=EventKind.ANSWER)
    days = (
        answers.annotate(day=TruncDate("occurred_at", tzinfo=zone))
        .order_by()
        .values_list("day", flat=True)
        .distinct()
    )
    start = datetime.combine(today, time.min, tzinfo=zone)
    end = datetime.combine(today + timedelta(days=1), time.min, tzinfo=zone)
    todays = (
        Event.objects.filter(
            learner_id=learner_id,
            kind__in=(EventKind.START, EventKind.ANSWER),
            occurred_at__gte=start,
            occurred_at__lt=end,
        )
        .order_by("id")
        .values_list("course_id", "kind")
    )
    questions = habit_rules.day_questions(todays)
    return habit_rules.Habits(
        today=habit_rules.DailyGoal(goal=daily_goal, answered=questions.answered),
        days=habit_rules.practice_days(days, today=today),
        last_course=questions.last_course,
    )
