"""What other apps and the CLI may use from learning: plain functions and plain data (OEP-49)."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from learnpath.web.learning.course_model import course_models_warm
from learnpath.web.learning.errors import LearningError
from learnpath.web.learning.models import Event
from learnpath.web.learning.notify import EventNote, event_recorded
from learnpath.web.learning.pacing import AssignmentsSource, assignments_source_set
from learnpath.web.learning.preferences import (
    DAILY_GOALS,
    FORMAT_NAMES,
    INTEREST_AREAS,
    NO_DAILY_GOAL,
    InterestArea,
)
from learnpath.web.learning.rebuild import DERIVED_MODELS, RebuildReport, state_rebuild
from learnpath.web.learning.selectors import ProfileView
from learnpath.web.learning.services import MAX_OVERRIDE_REASON

# LearningError: what the writes here refuse with (``status`` and ``detail``: nothing was recorded).
__all__ = [
    "DAILY_GOALS",
    "FORMAT_NAMES",
    "INTEREST_AREAS",
    "MAX_OVERRIDE_REASON",
    "NO_DAILY_GOAL",
    "AssignmentsSource",
    "EventNote",
    "InterestArea",
    "LearningError",
    "LoggedEvent",
    "OverrideRow",
    "ProfileView",
    "RebuildReport",
    "assignments_source_set",
    "course_models_warm",
    "derived_snapshot",
    "event_recorded",
    "events_after",
    "events_count_after",
    "fit_timings",
    "mastered_skills_at",
    "newest_event_id",
    "privacy_provider",
    "question_answer_form",
    "question_start_before",
    "skill_choose",
    "state_rebuild",
]


def derived_snapshot(*, course_id: str | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every derived row as plain tuples (no ids), sorted: equal snapshots mean equal derived tables."""
    snapshot: dict[str, list[tuple[Any, ...]]] = {}
    for model in DERIVED_MODELS:
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        rows = model.objects.all() if course_id is None else model.objects.filter(course_id=course_id)
        snapshot[model.__name__] = sorted(
            tuple(_plain(value) for value in row) for row in rows.values_list(*fields)
        )
    return snapshot


def _plain(value: Any) -> Any:
    # JSON values compare by their canonical text, so key order cannot make equal rows differ.
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def question_answer_form(
    *, course_id: str, checksum: str, item: Any, kept: list[str] | None = None
) -> dict[str, Any]:
    """The answer box of ``item``'s main question as the practice page draws it (its keyboard, its limit,
    ``kept``: a refused response to show again), for placement's page (``answer_forms``)."""
    from learnpath.engine.learner_loop import MAIN_PART
    from learnpath.web.learning import answer_forms
    from learnpath.web.learning.course_model import course_model

    model = course_model(course_id, checksum)
    widest = answer_forms.item_keyboard(model, item)
    held = (MAIN_PART, kept) if kept else None
    return answer_forms.answer_form(item.main, item.prompt, held, widest, MAIN_PART)


# -- reads for teachers and guardians (used by coaching and guardians; no access check: callers decide) --


def skill_progress_rows(*, learner_ids: list[int], course_id: str | None) -> list[Any]:
    """Every ``SkillProgressRow`` (learner, skill, P(mastered), answers, mastered, lapsed, last practised,
    course) of these learners in one course, or in every course with ``course_id=None``."""
    from learnpath.web.learning import selectors

    return selectors.skill_progress_rows(learner_ids=learner_ids, course_id=course_id)


def mastered_skills_at(*, learner_id: int) -> dict[tuple[str, str], Any]:
    """When the learner mastered each skill counted mastered (``mastered_at`` set, as
    :func:`skill_progress_rows` counts it): ``{(course id, skill id): mastered_at}``; one query, read-only."""
    from learnpath.web.learning.models import SkillState

    rows = SkillState.objects.filter(learner_id=learner_id, mastered_at__isnull=False)
    return {
        (course, skill): at for course, skill, at in rows.values_list("course_id", "skill_id", "mastered_at")
    }


def last_active_at(*, learner_ids: list[int], course_id: str) -> dict[int, Any]:
    """When each learner last did anything in the course; a learner who never started is absent."""
    from learnpath.web.learning import selectors

    return selectors.last_active_at(learner_ids=learner_ids, course_id=course_id)


def recent_events(*, learner_ids: list[int], course_id: str, per_learner: int = 10) -> dict[int, list[Any]]:
    """Each learner's latest events (``EventRow``: kind, item, skills, verdict, time), newest first."""
    from learnpath.web.learning import selectors

    return selectors.recent_events(learner_ids=learner_ids, course_id=course_id, per_learner=per_learner)


def answer_noise(*, course_id: str, checksum: str) -> tuple[str, dict[str, tuple[float, float]]]:
    """The served learner model's version and its (slip, guess) per skill of the course version with this
    checksum (placement's item parameters; ``engine.served_model.answer_noise``)."""
    from learnpath.engine.served_model import answer_noise as noise
    from learnpath.web.learning.course_model import course_model

    loop = course_model(course_id, checksum).loop
    return loop.model.version, {skill: noise(loop.model, skill) for skill in loop.graph.skill_ids}


def predicted_correct(*, course_id: str, skill_by_learner: dict[int, str]) -> dict[int, float]:
    """Each learner's P(correct) on a skill (the mean over its items), from the learner model their state
    belongs to (the served one, or the version that made it): one query for the states."""
    from learnpath.web.curriculum import api as curriculum_api
    from learnpath.web.learning.course_model import course_model
    from learnpath.web.learning.models import LearnerCourse

    info = curriculum_api.course_info(course_id=course_id)
    if info is None or not skill_by_learner:
        return {}
    rows = LearnerCourse.objects.filter(learner_id__in=list(skill_by_learner), course_id=course_id)
    out: dict[int, float] = {}
    for learner_id, document in rows.values_list("learner_id", "model_state"):
        if not document:
            continue
        loop = course_model(info.id, info.checksum, str(document.get("model", ""))).loop
        items = loop.skill_items.get(skill_by_learner[learner_id], ())
        if not items:
            continue
        state = loop.model.state_from_dict(document)
        predictions = [loop.model.predict_correct(state, item, loop.items[item].skills) for item in items]
        out[learner_id] = sum(predictions) / len(predictions)
    return out


def mastery_history(*, learner_id: int, course_id: str) -> dict[str, list[tuple[Any, float]]]:
    """``{skill: [(time, P(mastered) after the answer)]}`` replayed from the learner's log."""
    from learnpath.web.learning import selectors

    return selectors.mastery_history(learner_id=learner_id, course_id=course_id)


def demo_history_generate(*, learner_ids: list[int], course_id: str, seed: int, start: Any) -> int:
    """Give demo learners a practice history through the real services (``learning.synthetic``).

    For the demo class only; returns the number of questions practised.
    """
    from django.contrib.auth import get_user_model

    from learnpath.web.curriculum import api as curriculum_api
    from learnpath.web.learning.course_model import course_model
    from learnpath.web.learning.synthetic import history_generate

    info = curriculum_api.course_info(course_id=course_id)
    if info is None:
        return 0
    learners = list(get_user_model().objects.filter(pk__in=learner_ids).order_by("pk"))
    model = course_model(info.id, info.checksum)
    counter = history_generate(learners=learners, model=model, seed=seed, start=start, actions=8, days=3)
    return counter.actions


def course_skill_names(*, course_id: str) -> list[tuple[str, str]]:
    """(skill id, name) of the course's current version in pack order, from the cached course model (one
    query for the version's checksum; no re-validation of the pack). Empty if there is no such course."""
    from learnpath.web.curriculum import api as curriculum_api
    from learnpath.web.learning.course_model import course_model

    info = curriculum_api.course_info(course_id=course_id)
    if info is None:
        return []
    return [(skill.id, skill.name) for skill in course_model(info.id, info.checksum).pack.skills]


def demo_struggle(*, learner_id: int, course_id: str, skill_id: str, questions: int, start: Any) -> None:
    """A demo learner who struggles on one skill: ``questions`` questions answered wrong after hints.

    For the demo class only (so the teachers' cockpit has something to show); through the real services.
    """
    from datetime import timedelta

    from django.contrib.auth import get_user_model

    from learnpath.web.learning import selectors, services
    from learnpath.web.learning.errors import LearningError
    from learnpath.web.learning.store import state_load
    from learnpath.web.learning.synthetic import wrong_response

    learner = get_user_model().objects.get(pk=learner_id)
    model = services.practice_course(learner, course_id)
    now = start
    for n in range(questions):
        key = f"demo-struggle-{learner_id}-{n}"
        now += timedelta(minutes=2)
        services.skill_choose(
            learner=learner, course_id=course_id, skill_id=skill_id, idempotency_key=key, now=now
        )
        attempt = state_load(learner_id=learner_id, course_id=course_id, with_resources=False).open_attempt()
        if attempt is None:
            return
        item = selectors.variant(model, attempt.item_id, attempt.seed)
        common = {"learner": learner, "course_id": course_id, "item_id": item.id, "seed": attempt.seed}
        last = n == questions - 1
        try:
            for h in range(min(2, len(item.main.hints))):
                services.hint_reveal(step_id="", idempotency_key=f"{key}-h{h}", now=now, **common)
            if last:
                services.solution_view(idempotency_key=f"{key}-sol", now=now, **common)
            for t in range(2 if last else 3):
                now += timedelta(seconds=40)
                services.attempt_record(
                    step_id="",
                    response=wrong_response(item.main),
                    idempotency_key=f"{key}-a{t}",
                    now=now,
                    **common,
                )
            if not last:
                services.attempt_skip(idempotency_key=f"{key}-k", now=now, **common)
        except LearningError:
            continue


def placement_event_record(
    *,
    learner: Any,
    course_id: str,
    idempotency_key: str,
    payload: dict[str, Any],
    build: Any,
    now: Any = None,
) -> dict[str, Any]:
    """Append placement answers or a placement result to the learner's event log (the placement app).

    See ``learning.services.placement_event_record``: access checked, idempotent per key, one transaction;
    a ``"placement"`` event seeds the skills (``engine.placement.seed_progress``) here and in rebuild-state.
    """
    from learnpath.web.learning import services

    return services.placement_event_record(
        learner=learner,
        course_id=course_id,
        idempotency_key=idempotency_key,
        payload=payload,
        build=build,
        now=now,
    )


def practice_course_access(*, user: Any, course_id: str) -> Any:
    """The course (``curriculum.api.CourseInfo``) if ``user`` may practise in it, else ``Http404``
    (``learning.access`` decides; missing and forbidden look the same)."""
    from learnpath.web.learning.access import access_practice_course

    return access_practice_course(user, course_id)


@dataclass(frozen=True)
class OverrideRow:
    """A teacher's override of a learner's skill, as recorded in the learner's log."""

    id: int
    skill_id: str
    direction: str
    reason: str
    teacher: str
    occurred_at: Any


OVERRIDE_DIRECTIONS = (("mastered", "Mastered"), ("not_mastered", "Needs another look (not mastered)"))


def mastery_override(
    *,
    teacher: Any,
    learner_id: int,
    course_id: str,
    skill_id: str,
    direction: str,
    reason: str,
    idempotency_key: str,
    now: Any = None,
) -> dict[str, Any]:
    """A teacher marks a learner's skill mastered or "needs another look" (``direction``: ``"mastered"``
    or ``"not_mastered"``) with a reason the learner reads; the caller (coaching) has checked that the
    teacher may. A learner event applied by the engine's loop, audited; raises ``LearningError``
    (``services.mastery_override``)."""
    from django.contrib.auth import get_user_model

    from learnpath.web.learning import services
    from learnpath.web.learning.errors import NotFound

    learner = get_user_model().objects.filter(pk=learner_id, is_active=True).first()
    if learner is None:
        raise NotFound(f"There is no learner {learner_id}.")
    return services.mastery_override(
        teacher=teacher,
        learner=learner,
        course_id=course_id,
        skill_id=skill_id,
        direction=direction,
        reason=reason,
        idempotency_key=idempotency_key,
        now=now,
    )


def mastery_overrides(
    *, learner_id: int, course_id: str, limit: int = 20, authors: Collection[int] | None = None
) -> list[OverrideRow]:
    """The learner's latest overrides in the course (newest first), with the teacher's name: one query.

    With ``authors`` (the teachers whose words the reader may read), an override by anyone else keeps
    its skill, direction and date (it is part of the course's record) but not its reason or its author's
    name: a teacher does not read another class's teacher's words about the learner (decision 0075)."""
    from learnpath.web.learning.models import Event

    rows = (
        Event.objects.filter(learner_id=learner_id, course_id=course_id, kind="override")
        .select_related("actor")
        .order_by("-id")[:limit]
    )
    return [
        OverrideRow(
            id=row.pk,
            skill_id=row.skill_id,
            direction=str(row.result.get("direction", "")),
            reason=str(row.result.get("reason", "")) if _may_read(authors, row.actor_id) else "",
            teacher=(
                "a teacher of another class"
                if not _may_read(authors, row.actor_id)
                else str(row.actor)
                if row.actor is not None
                else "a former teacher"
            ),
            occurred_at=row.occurred_at,
        )
        for row in rows
    ]


def _may_read(authors: Collection[int] | None, actor_id: int | None) -> bool:
    return authors is None or actor_id in authors


def has_history(*, learner_id: int, course_id: str) -> bool:
    """Whether the learner has done anything at all in the course (any event in its log)."""
    from learnpath.web.learning.models import Event

    return Event.objects.filter(learner_id=learner_id, course_id=course_id).exists()


# -- the learner's profile (issue 11, docs/decisions/0077): interests, formats, daily goal -------------
# INTEREST_AREAS (the fixed vocabulary: id, title, keywords), FORMAT_NAMES (modality -> the name learners
# read), DAILY_GOALS (questions a day; NO_DAILY_GOAL for none) are the answers the profile accepts.


def learner_profile(*, learner_id: int) -> ProfileView:
    """The learner's interests, preferred formats, daily goal and onboarding state (``ProfileView``; the
    defaults, daily goal 10 and onboarding pending, before they answered). One query."""
    from learnpath.web.learning import selectors

    return selectors.learner_profile(learner_id=learner_id)


def learner_profile_save(
    *, learner: Any, interests: list[str], formats: list[str], daily_goal: int | str | None
) -> ProfileView:
    """Save the learner's own answers (the caller checked that ``learner`` is the signed-in learner).

    ``daily_goal``: 5, 10 or 20 (number or text), or ``NO_DAILY_GOAL`` / None. An unknown interest,
    format or goal raises ``LearningError`` (400) saying what to choose, and nothing is saved. Atomic: a
    caller's transaction around it makes it part of a larger all-or-nothing write.
    """
    from learnpath.web.learning import selectors, services

    services.learner_profile_save(
        learner=learner, interests=interests, formats=formats, daily_goal=daily_goal
    )
    return selectors.learner_profile(learner_id=learner.pk)


def learner_profile_skip(*, learner: Any) -> None:
    """ "Not now": onboarding is put off (the defaults stay); nothing changes once it was answered."""
    from learnpath.web.learning import services

    services.learner_profile_skip(learner=learner)


def interests_matching(*, text: str, interest_ids: list[str] | tuple[str, ...]) -> list[InterestArea]:
    """The given interests with a keyword in ``text``, as a whole word in any case (vocabulary order)."""
    from learnpath.web.learning.preferences import interests_matching as matching

    return matching(text, interest_ids)


# The app's personal data, for the privacy app (docs/privacy.md): what it holds, export and erase.
from learnpath.web.learning import privacy as privacy_provider  # noqa: E402


@dataclass(frozen=True)
class FitTiming:
    """How long a course's learner-model fits took: for the operators' metrics."""

    course_id: str
    fits: int
    last_seconds: float
    total_seconds: float


def fit_timings() -> list[FitTiming]:
    """Per course with at least one stored fit: how many, the last one's and all fits' wall-clock seconds
    (one grouped query and one for the last fits; fits are few per course)."""
    from django.db.models import Count, Max, Sum

    from learnpath.web.learning.models import FittedModel

    totals = FittedModel.objects.values("course_id").annotate(
        fits=Count("id"), last=Max("number"), total=Sum("seconds")
    )
    by_course = {row["course_id"]: row for row in totals}
    last_seconds = {
        (course, number): seconds
        for course, number, seconds in FittedModel.objects.filter(
            number__in={row["last"] for row in totals}
        ).values_list("course_id", "number", "seconds")
    }
    return [
        FitTiming(
            course_id=course,
            fits=row["fits"],
            last_seconds=float(last_seconds.get((course, row["last"]), 0.0)),
            total_seconds=float(row["total"] or 0.0),
        )
        for course, row in sorted(by_course.items())
    ]


@dataclass(frozen=True)
class LoggedEvent:
    """One event of the append-only log, as plain data, for apps that pass events on (xAPI, LTI)."""

    id: int
    learner_id: int
    course_id: str
    kind: str
    item_id: str
    seed: int | None
    step_id: str
    skill_id: str
    resource_id: str
    response: Any
    verdict: str
    confidence: str
    result: dict[str, Any]
    actor_id: int | None
    occurred_at: Any


def events_after(*, after_id: int, limit: int = 500) -> list[LoggedEvent]:
    """Up to ``limit`` events with an id above ``after_id``, oldest first: a reader that keeps the last id
    it handled reads every event exactly once, in order, however it was woken."""
    fields = list(LoggedEvent.__dataclass_fields__)
    rows = Event.objects.filter(id__gt=after_id).order_by("id").values_list(*fields)[:limit]
    return [LoggedEvent(*row) for row in rows]


def skill_choose(*, learner: Any, course_id: str, skill_id: str, idempotency_key: str) -> dict[str, Any]:
    """The learner practises ``skill_id`` next, as if they had chosen it (an LMS link to one skill): the
    choice is logged and its first question starts. Raises ``LearningError`` as the learner's own choice
    would (no access, unknown skill)."""
    from learnpath.web.learning import services

    return services.skill_choose(
        learner=learner, course_id=course_id, skill_id=skill_id, idempotency_key=idempotency_key
    )


def question_start_before(*, learner_id: int, course_id: str, before_id: int) -> LoggedEvent | None:
    """The learner's latest ``start`` event in the course before event ``before_id`` (the question an
    answer or skip belongs to: its ``result`` says why it was offered), or None. One query."""
    fields = list(LoggedEvent.__dataclass_fields__)
    row = (
        Event.objects.filter(learner_id=learner_id, course_id=course_id, kind="start", id__lt=before_id)
        .order_by("-id")
        .values_list(*fields)
        .first()
    )
    return None if row is None else LoggedEvent(*row)


def newest_event_id() -> int:
    """The id of the newest event in the log (0 when empty): for readers of ``events_after`` to show how
    far behind they are."""
    from django.db.models import Max

    return int(Event.objects.aggregate(newest=Max("id"))["newest"] or 0)


def events_count_after(*, after_id: int) -> int:
    """How many events have an id above ``after_id`` (a reader's backlog). One count on the primary key."""
    return Event.objects.filter(id__gt=after_id).count()
