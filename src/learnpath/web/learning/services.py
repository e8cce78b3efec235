"""Writes for practice. Each one checks access, validates against where the learner is, appends its
event(s) and updates the derived tables through the engine's learner loop (``learner_loop.step``), all in
one transaction. The web only grades answers (``content``), converts rows and persists.

Idempotency: every write takes a client-made ``idempotency_key`` (unique per learner). The same key with
the same request returns the first result and writes nothing; the same key with a different request is
refused (``KeyReused``, HTTP 409). A request refused for any reason writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from learnpath.content.checking import check_response
from learnpath.content.model import Item, Step
from learnpath.engine.learner_loop import MAIN_PART, EventKind, OpenQuestion, OverrideDirection
from learnpath.engine.learner_loop import step as loop_step
from learnpath.engine.review import Confidence
from learnpath.web.learning import preferences, selectors
from learnpath.web.learning.access import access_practice_course
from learnpath.web.learning.clock import now as clock_now
from learnpath.web.learning.course_model import CourseModel, course_model
from learnpath.web.learning.errors import KeyReused, LearningError, NotFound, OutOfOrder, Unreadable
from learnpath.web.learning.metrics import event_counted
from learnpath.web.learning.models import Event, LearnerCourse, LearnerProfile, ResumedKey
from learnpath.web.learning.notify import EventNote, event_recorded_send
from learnpath.web.learning.store import LearnerState, event_from_row, resources_load, state_load, state_save

PLACEMENT_ANSWER = EventKind.PLACEMENT_ANSWER.value
PLACEMENT = EventKind.PLACEMENT.value
OVERRIDE = EventKind.OVERRIDE.value
MAX_OVERRIDE_REASON = 300
"""Characters of a teacher's reason for an override: a sentence or two the learner reads."""

MAX_KEY_LENGTH = 80
Response = str | Sequence[str] | None


@dataclass
class NewEvent:
    """An event to append: its fields and what the learner is told (stored as ``Event.result``)."""

    kind: str
    key: str
    item_id: str = ""
    seed: int | None = None
    step_id: str = ""
    skill_id: str = ""
    resource_id: str = ""
    response: Any = None
    verdict: str = ""
    confidence: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    actor_id: int | None = None
    """Who did it when not the learner (the teacher of an override)."""


def practice_course(user: Any, course_id: str) -> CourseModel:
    """Access check, then the course's engine model."""
    info = access_practice_course(user, course_id)
    return course_model(info.id, info.checksum)


def _payload_hash(payload: dict[str, Any]) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _check_key(key: str) -> str:
    key = str(key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise Unreadable(
            gettext(
                "idempotency_key must be 1 to {limit} printable characters, made by the client "
                "once per action (a UUID is a good choice) and sent again unchanged when the action is "
                "retried."
            ).format(limit=MAX_KEY_LENGTH)
        )
    return key


def _record(
    *,
    learner: Any,
    model: CourseModel,
    key: str,
    payload: dict[str, Any],
    now: datetime | None,
    build: Callable[[LearnerState, datetime], list[NewEvent]],
    resumes: bool = False,
) -> dict[str, Any]:
    """The common path of every write (see the module docstring). Returns the last event's result; with
    ``resumes``, a request that writes nothing answers with the open question (``_kept_without_event``)."""
    key = _check_key(key)
    payload_hash = _payload_hash({**payload, "course": model.course_id})
    moment = now or clock_now()
    try:
        with transaction.atomic():
            # Lock the learner's row in this course: their writes to it happen one at a time.
            row, _created = LearnerCourse.objects.select_for_update().get_or_create(
                learner_id=learner.pk, course_id=model.course_id
            )
            replay = _replay(learner, key, payload_hash, resumes=resumes)
            if replay is not None:
                return replay
            state = state_load(
                learner_id=learner.pk,
                course_id=model.course_id,
                course=model.loop,
                row=row,
                with_resources=False,
            )
            # the latest moment in the log: the learner's last action or a teacher's override since
            times = [note.at for note in state.state.teacher_notes.values()]
            if state.state.last_active_at is not None:
                times.append(state.state.last_active_at)
            last_active = max(times, default=None)
            if last_active is not None and moment < last_active:
                # A learner's log runs forward: FSRS refuses reviews back in time (clock skew between
                # app servers, or a demo clock moved back).
                moment = last_active
            new_events = build(state, moment)
            if not new_events:
                return _kept_without_event(learner, model, key, payload_hash, state) if resumes else {}
            resources_load(state, _resources_touched(state, new_events))
            result: dict[str, Any] = {}
            for new in new_events:
                result = _append(learner, model, state, new, payload_hash, moment)
            state_save(state, model.loop)
            return result
    except IntegrityError:
        # The same key arrived twice at once: the other request wrote it first.
        replay = _replay(learner, key, payload_hash, resumes=resumes)
        if replay is None:
            raise
        return replay


def _resources_touched(state: LearnerState, events: list[NewEvent]) -> list[str]:
    """The resources whose use counts these events may change (so only their rows are read)."""
    touched: list[str] = []
    for new in events:
        if new.kind == "resource":
            touched.append(new.resource_id)
        elif new.kind in ("answer", "skip") and state.state.question is not None:
            for skill in state.state.question.skills:
                touched.extend(state.state.pending_resources.get(skill, ()))
    return touched


def _kept_without_event(
    learner: Any, model: CourseModel, key: str, payload_hash: str, state: LearnerState
) -> dict[str, Any]:
    """A request that writes no event: a start while a question is open answers with that question, and
    its key is kept (``ResumedKey``) so a retry after the question closed gets the same answer."""
    question = state.state.open_question()
    if question is None:
        return {}
    result = {
        "kind": "start",
        "item_id": question.item_id,
        "seed": question.seed,
        "skills": list(question.skills),
        "suggestion": question.kind,
        "reason": question.reason,
        "resumed": True,
    }
    ResumedKey.objects.create(
        learner_id=learner.pk,
        course_id=model.course_id,
        idempotency_key=key,
        payload_hash=payload_hash,
        result=result,
    )
    return result


def _replay(learner: Any, key: str, payload_hash: str, *, resumes: bool = False) -> dict[str, Any] | None:
    """The stored answer to a request sent again with its key, or None for a new key. Only a start can
    have been kept without an event (``ResumedKey``), so only a start (``resumes``) looks there too."""
    found = Event.objects.filter(learner_id=learner.pk, idempotency_key=key).values("payload_hash").first()
    if found is None:
        if not resumes:
            return None
        resumed = (
            ResumedKey.objects.filter(learner_id=learner.pk, idempotency_key=key)
            .values("payload_hash", "result")
            .first()
        )
        if resumed is None:
            return None
        found = resumed
        if found["payload_hash"] == payload_hash:
            return {**resumed["result"], "replayed": True}
    if found["payload_hash"] != payload_hash:
        raise KeyReused(
            gettext(
                "The idempotency key {key!r} was already used for a different request. Make a new key for "
                "each new action, and reuse a key only to retry exactly the same request."
            ).format(key=key)
        )
    # A key may stand for several events (a choice and the question it starts): the last one answers.
    last = Event.objects.filter(learner_id=learner.pk, idempotency_key__in=[key, f"{key}#start"]).order_by(
        "-id"
    )
    event_id, result = last.values_list("id", "result")[0]
    return {**result, "event_id": event_id, "replayed": True}


def _append(
    learner: Any, model: CourseModel, state: LearnerState, new: NewEvent, payload_hash: str, moment: datetime
) -> dict[str, Any]:
    event = event_from_row(
        kind=new.kind,
        occurred_at=moment,
        item_id=new.item_id,
        seed=new.seed,
        step_id=new.step_id,
        skill_id=new.skill_id,
        resource_id=new.resource_id,
        verdict=new.verdict,
        confidence=new.confidence,
        result=new.result,
    )
    state.state, effects = loop_step(state.state, event, model.loop)
    result = dict(new.result)
    if new.kind in ("answer", "skip", OVERRIDE):
        result.update(
            finished=effects.finished,
            counted=effects.observed,
            mastered=list(effects.mastered),
            unlocked=list(effects.unlocked),
            lapsed=list(effects.lapsed),
            messages=list(effects.messages),
        )
    row = Event.objects.create(
        learner_id=learner.pk,
        course_id=model.course_id,
        kind=new.kind,
        idempotency_key=new.key,
        payload_hash=payload_hash,
        item_id=new.item_id,
        seed=new.seed,
        step_id=new.step_id,
        skill_id=new.skill_id,
        resource_id=new.resource_id,
        response=new.response,
        verdict=new.verdict,
        confidence=new.confidence,
        model_version=model.loop.model.version,
        result=result,
        actor_id=new.actor_id,
        occurred_at=moment,
    )
    state.last_event_id = row.pk
    result["event_id"] = row.pk
    kind = new.kind
    transaction.on_commit(lambda: event_counted(kind))
    note = EventNote(
        event_id=row.pk,
        learner_id=learner.pk,
        course_id=model.course_id,
        kind=kind,
        mastered=tuple(result.get("mastered", ())),
        lapsed=tuple(result.get("lapsed", ())),
    )
    transaction.on_commit(lambda: event_recorded_send(note))
    return result


# -- the open question ---------------------------------------------------------------------------------


def _open_attempt(state: LearnerState, model: CourseModel, item_id: str, seed: int | None) -> OpenQuestion:
    """The open question if it is ``item_id`` (variant ``seed``); otherwise a clear refusal."""
    if item_id not in model.items:
        raise NotFound(gettext("The course has no item {item_id!r}.").format(item_id=item_id))
    attempt = state.state.question
    if attempt is None or attempt.item_id != item_id or (seed is not None and attempt.seed != seed):
        raise OutOfOrder(
            gettext(
                "The question {item_id!r} (variant {seed}) is not the one open for you. Ask for the next "
                "activity (or choose a skill) first, then answer, ask for hints or open the solution of the "
                "question it gives."
            ).format(item_id=item_id, seed=seed)
        )
    if attempt.finished:
        raise OutOfOrder(
            gettext(
                "You have already finished the question {item_id!r}. Ask for the next activity to go on."
            ).format(item_id=item_id)
        )
    return attempt


def _part(model: CourseModel, attempt: OpenQuestion, step_id: str) -> Step:
    """The part of the open question that ``step_id`` names, if it may be answered now."""
    item = selectors.variant(model, attempt.item_id, attempt.seed)
    if attempt.one_part:
        if step_id != MAIN_PART:
            raise NotFound(
                gettext(
                    "The question {id!r} has one part: leave step_id empty (it has no {step_id!r})."
                ).format(id=item.id, step_id=step_id)
            )
        return item.main
    if step_id == MAIN_PART:
        raise Unreadable(
            gettext("The question {id!r} has steps: say which one in step_id ({steps}).").format(
                id=item.id, steps=", ".join(attempt.steps)
            )
        )
    try:
        step = item.find_step(step_id)
    except KeyError:
        raise NotFound(
            gettext("The question {id!r} has no step or scaffold {step_id!r}.").format(
                id=item.id, step_id=step_id
            )
        ) from None
    current = attempt.current_step()
    if step_id in attempt.steps:
        if step_id in attempt.solved:
            raise OutOfOrder(
                gettext("You already answered step {step_id!r} right. The next one is {current!r}.").format(
                    step_id=step_id, current=current
                )
            )
        if step_id != current:
            raise OutOfOrder(
                gettext("Answer step {current!r} first: the steps go in order.").format(current=current)
            )
        return step
    parent = next(s for s in item.steps if any(c.id == step_id for c in s.scaffolds))
    if parent.id != current:
        raise OutOfOrder(
            gettext(
                "{step_id!r} helps with step {id!r}, which is not the step you are on ({current!r})."
            ).format(step_id=step_id, id=parent.id, current=current)
        )
    return step


def _response_text(response: Response) -> str:
    if response is None:
        return ""
    if isinstance(response, str):
        return response
    return ", ".join(str(r) for r in response)


def attempt_record(
    *,
    learner: Any,
    course_id: str,
    item_id: str,
    seed: int | None,
    step_id: str,
    response: Response,
    idempotency_key: str,
    confidence: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Grade and record an answer to (a part of) the open question; see the module docstring.

    Raises ``NotFound`` (no such course, item or step), ``OutOfOrder`` (not the open question, or a step
    out of turn), ``Unreadable`` (the response cannot be read: not a wrong answer), ``KeyReused``.
    """
    model = practice_course(learner, course_id)
    step_id = step_id or MAIN_PART
    if confidence:
        try:
            confidence = Confidence(confidence).value
        except ValueError:
            raise Unreadable(gettext("confidence must be one of low, medium, high (or left out).")) from None
    payload = {
        "kind": "answer",
        "item": item_id,
        "seed": seed,
        "step": step_id,
        "response": response,
        "confidence": confidence or "",
    }

    def build(state: LearnerState, moment: datetime) -> list[NewEvent]:
        attempt = _open_attempt(state, model, item_id, seed)
        step = _part(model, attempt, step_id)
        verdict = check_response(step, response if response is not None else "")
        if verdict.status == "invalid":
            raise Unreadable(verdict.message)
        result = {
            "kind": "answer",
            "item_id": item_id,
            "seed": attempt.seed,
            "step_id": step_id,
            "status": verdict.status,
            "correct": verdict.correct,
            "message": verdict.message,
            "feedback": verdict.feedback,
            "normalized": verdict.normalized,
            "response_text": _response_text(response)[:200],
        }
        return [
            NewEvent(
                kind="answer",
                key=idempotency_key,
                item_id=item_id,
                seed=attempt.seed,
                step_id=step_id,
                response=response if isinstance(response, str | None) else list(response),
                verdict=verdict.status,
                confidence=confidence or "",
                result=result,
            )
        ]

    return _record(
        learner=learner, model=model, key=idempotency_key, payload=payload, now=now, build=build, resumes=True
    )


def _question_event(
    kind: str,
    describe: Callable[[Item], dict[str, Any]],
    *,
    learner: Any,
    course_id: str,
    item_id: str,
    seed: int | None,
    idempotency_key: str,
    now: datetime | None,
) -> dict[str, Any]:
    """Record an event about the whole open question (skip, solution); ``describe`` makes its result."""
    model = practice_course(learner, course_id)
    payload = {"kind": kind, "item": item_id, "seed": seed}

    def build(state: LearnerState, moment: datetime) -> list[NewEvent]:
        attempt = _open_attempt(state, model, item_id, seed)
        item = selectors.variant(model, item_id, attempt.seed)
        result = {"kind": kind, "item_id": item_id, "seed": attempt.seed, **describe(item)}
        return [NewEvent(kind=kind, key=idempotency_key, item_id=item_id, seed=attempt.seed, result=result)]

    return _record(
        learner=learner, model=model, key=idempotency_key, payload=payload, now=now, build=build, resumes=True
    )


def attempt_skip(
    *,
    learner: Any,
    course_id: str,
    item_id: str,
    seed: int | None,
    idempotency_key: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """ "I haven't learned this yet": closes the open question; the model counts it as not right."""
    return _question_event(
        "skip",
        lambda item: {"solution": item.solution},
        learner=learner,
        course_id=course_id,
        item_id=item_id,
        seed=seed,
        idempotency_key=idempotency_key,
        now=now,
    )


def hint_reveal(
    *,
    learner: Any,
    course_id: str,
    item_id: str,
    seed: int | None,
    step_id: str,
    idempotency_key: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The next hint of the open question (or of one of its steps), one at a time, each logged."""
    model = practice_course(learner, course_id)
    step_id = step_id or MAIN_PART
    payload = {"kind": "hint", "item": item_id, "seed": seed, "step": step_id}

    def build(state: LearnerState, moment: datetime) -> list[NewEvent]:
        attempt = _open_attempt(state, model, item_id, seed)
        item = selectors.variant(model, item_id, attempt.seed)
        hints = item.main.hints if step_id == MAIN_PART else _part(model, attempt, step_id).hints
        shown = int(attempt.hints.get(step_id, 0))
        if shown >= len(hints):
            raise OutOfOrder(
                "There are no more hints here. The worked solution shows every step."
                if hints
                else "This part has no hints. The worked solution shows every step."
            )
        result = {
            "kind": "hint",
            "item_id": item_id,
            "step_id": step_id,
            "number": shown + 1,
            "hint": hints[shown],
            "remaining": len(hints) - shown - 1,
        }
        return [
            NewEvent(
                kind="hint",
                key=idempotency_key,
                item_id=item_id,
                seed=attempt.seed,
                step_id=step_id,
                result=result,
            )
        ]

    return _record(
        learner=learner, model=model, key=idempotency_key, payload=payload, now=now, build=build, resumes=True
    )


def solution_view(
    *,
    learner: Any,
    course_id: str,
    item_id: str,
    seed: int | None,
    idempotency_key: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The worked solution of the open question (logged; the question then counts as not right)."""

    def describe(item: Item) -> dict[str, Any]:
        if not item.solution:
            raise NotFound(
                gettext("The question {item_id!r} has no worked solution.").format(item_id=item_id)
            )
        return {"solution": item.solution}

    return _question_event(
        "solution",
        describe,
        learner=learner,
        course_id=course_id,
        item_id=item_id,
        seed=seed,
        idempotency_key=idempotency_key,
        now=now,
    )


def resource_view(
    *, learner: Any, course_id: str, resource_id: str, idempotency_key: str, now: datetime | None = None
) -> dict[str, Any]:
    """Log that the learner opened a resource (so the resources that help them come first later)."""
    model = practice_course(learner, course_id)
    resource = model.resources.get(resource_id)
    if resource is None:
        raise NotFound(gettext("The course has no resource {resource_id!r}.").format(resource_id=resource_id))
    payload = {"kind": "resource", "resource": resource_id}

    def build(state: LearnerState, moment: datetime) -> list[NewEvent]:
        result = {
            "kind": "resource",
            "resource_id": resource_id,
            "skills": list(resource.skills),
            "url": resource.url,
            "title": resource.title,
        }
        return [NewEvent(kind="resource", key=idempotency_key, resource_id=resource_id, result=result)]

    return _record(
        learner=learner, model=model, key=idempotency_key, payload=payload, now=now, build=build, resumes=True
    )


def _start_event(
    state: LearnerState, model: CourseModel, moment: datetime, key: str, chosen: str | None
) -> NewEvent:
    ranked = selectors.suggestions(state, model, now=moment, chosen_skill=chosen)
    if not ranked:
        raise OutOfOrder(
            gettext(
                "There is nothing new to practise right now: no review is due and nothing else is ready. "
                "Choose any skill on your map to practise it again."
            )
        )
    top = ranked[0]
    item = model.items[top.item_id]
    seed = secrets.randbelow(2**31) if item.is_template else 0
    steps = [step.id for step in item.steps] or [MAIN_PART]
    result = {
        "kind": "start",
        "item_id": item.id,
        "seed": seed,
        "skill_id": top.skill_id,
        "skills": list(item.skills),
        "steps": steps,
        "reason": top.reason,
        "suggestion": str(top.kind),
    }
    return NewEvent(kind="start", key=key, item_id=item.id, seed=seed, skill_id=top.skill_id, result=result)


def activity_start(
    *, learner: Any, course_id: str, idempotency_key: str, now: datetime | None = None
) -> dict[str, Any]:
    """Start the top suggestion (or go back to the open question, writing nothing)."""
    model = practice_course(learner, course_id)
    payload = {"kind": "start"}

    def build(state: LearnerState, moment: datetime) -> list[NewEvent]:
        if state.open_question() is not None:
            return []
        return [_start_event(state, model, moment, idempotency_key, None)]

    return _record(
        learner=learner, model=model, key=idempotency_key, payload=payload, now=now, build=build, resumes=True
    )


def skill_choose(
    *, learner: Any, course_id: str, skill_id: str, idempotency_key: str, now: datetime | None = None
) -> dict[str, Any]:
    """The learner picks a skill: the choice is logged and its first question starts.

    A locked skill is honoured by the engine through its nearest unlocked prerequisite (``engine.policy``).
    """
    model = practice_course(learner, course_id)
    if skill_id not in model.graph:
        raise NotFound(gettext("The course has no skill {skill_id!r}.").format(skill_id=skill_id))
    payload = {"kind": "choice", "skill": skill_id}
    key = _check_key(idempotency_key)

    def build(state: LearnerState, moment: datetime) -> list[NewEvent]:
        start = _start_event(state, model, moment, f"{key}#start", skill_id)
        choice = NewEvent(
            kind="choice", key=key, skill_id=skill_id, result={"kind": "choice", "skill_id": skill_id}
        )
        return [choice, start]

    return _record(learner=learner, model=model, key=key, payload=payload, now=now, build=build)


# -- a teacher's override (coaching checks that the teacher teaches the learner's class) --------------


def override_reason_clean(reason: str) -> str:
    """The teacher's reason on one line, or ``Unreadable`` if it is empty or too long."""
    text = " ".join(str(reason or "").split())
    if not text:
        raise Unreadable(gettext("Give a reason: the learner reads it next to the skill."))
    if len(text) > MAX_OVERRIDE_REASON:
        raise Unreadable(
            gettext(
                "Keep the reason to {limit} characters (it has {length}): the learner reads it "
                "next to the skill."
            ).format(limit=MAX_OVERRIDE_REASON, length=len(text))
        )
    if not text.isprintable():
        raise Unreadable(gettext("The reason has characters that cannot be shown; write it as plain text."))
    return text


def mastery_override(
    *,
    teacher: Any,
    learner: Any,
    course_id: str,
    skill_id: str,
    direction: str,
    reason: str,
    idempotency_key: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A teacher marks a skill mastered, or "needs another look", for a learner, with a reason.

    The caller has checked that ``teacher`` may do it (coaching: a teacher of the learner's class, or an
    admin). Appended to the learner's log as an ``override`` event (``Event.actor`` is the teacher) and
    applied by the engine's loop like any other event, so ``rebuild-state`` reproduces it; audited in the
    same transaction. Raises ``NotFound`` (no such skill), ``Unreadable`` (no direction, or a reason
    empty or too long), ``OutOfOrder`` (nothing to change: already mastered, or not mastered yet).
    """
    model = practice_course(learner, course_id)
    if skill_id not in model.graph:
        raise NotFound(gettext("The course has no skill {skill_id!r}.").format(skill_id=skill_id))
    try:
        way = OverrideDirection(direction)
    except ValueError:
        raise Unreadable(gettext("Choose “mastered” or “needs another look”.")) from None
    text = override_reason_clean(reason)
    payload = {"kind": OVERRIDE, "skill": skill_id, "direction": str(way), "reason": text}
    name = model.graph.name(skill_id)

    def build(state: LearnerState, moment: datetime) -> list[NewEvent]:
        entry = state.state.skills.get(skill_id)
        mastered = entry is not None and entry.is_mastered
        if way is OverrideDirection.MASTERED and mastered and entry is not None and not entry.lapsed:
            raise OutOfOrder(
                gettext("{name} is already mastered: there is nothing to change.").format(name=name)
            )
        if way is OverrideDirection.NEEDS_REVIEW and not mastered:
            raise OutOfOrder(
                gettext(
                    "{name} is not mastered yet, so there is nothing to take another look at: the learner "
                    "is still working towards it. Leave feedback on an attempt instead."
                ).format(name=name)
            )
        from learnpath.web.accounts import api as accounts_api

        accounts_api.audit_record(
            actor=teacher,
            action="learning.mastery_override",
            target_type="user",
            target_id=learner.pk,
            details={"course": course_id, "skill": skill_id, "direction": str(way), "reason": text},
        )
        result = {"kind": OVERRIDE, "skill_id": skill_id, "direction": str(way), "reason": text}
        return [
            NewEvent(
                kind=OVERRIDE, key=idempotency_key, skill_id=skill_id, result=result, actor_id=teacher.pk
            )
        ]

    return _record(
        learner=learner, model=model, key=idempotency_key, payload=payload, now=now, build=build, resumes=True
    )


# -- placement (learnpath.web.placement writes its answers and its result to this log) --------------------


def placement_event_record(
    *,
    learner: Any,
    course_id: str,
    idempotency_key: str,
    payload: dict[str, Any],
    build: Callable[[datetime], list[dict[str, Any]]],
    now: datetime | None = None,
) -> dict[str, Any]:
    """Append placement events to the learner's log, in the same transaction as the caller's own writes.

    ``build(moment)`` is called only for a new key (inside the transaction, with the learner's row in the
    course locked) and returns the events to append, each a dict with ``kind`` (``"placement_answer"``
    or ``"placement"``), ``key`` and the optional fields of ``NewEvent``; it may raise a
    ``LearningError`` to refuse (nothing is written). A repeated key with the same ``payload`` returns the
    first event's result with ``replayed`` set; with another payload it is a ``KeyReused`` (409).
    """
    model = practice_course(learner, course_id)

    def events(state: LearnerState, moment: datetime) -> list[NewEvent]:
        made = [NewEvent(**fields) for fields in build(moment)]
        for new in made:
            if new.kind not in (PLACEMENT_ANSWER, PLACEMENT):
                raise ValueError(f"not a placement event: {new.kind!r}")  # English: for programmers
        return made

    return _record(learner=learner, model=model, key=idempotency_key, payload=payload, now=now, build=events)


# -- the learner's profile (issue 11, docs/decisions/0077): what they told learnpath about themselves ----


def learner_profile_save(
    *,
    learner: Any,
    interests: Sequence[str],
    formats: Sequence[str],
    daily_goal: int | str | None,
    now: datetime | None = None,
) -> LearnerProfile:
    """Save the learner's interests, preferred formats and daily goal (their own answers: no audit row).

    Every answer is checked against ``learning.preferences`` first; an unknown one raises
    ``LearningError`` (400) with what to choose instead, and nothing is saved. The first save completes
    onboarding.
    """
    try:
        cleaned = {
            "interests": preferences.interests_clean(interests),
            "formats": preferences.formats_clean(formats),
            "daily_goal": preferences.daily_goal_clean(daily_goal),
        }
    except preferences.PreferenceRejected as error:
        raise LearningError(str(error)) from None
    with transaction.atomic():
        profile, _ = LearnerProfile.objects.select_for_update().get_or_create(learner_id=learner.pk)
        for name, value in cleaned.items():
            setattr(profile, name, value)
        if profile.completed_at is None:
            profile.completed_at = now or clock_now()
        profile.save()
    return profile


@transaction.atomic
def learner_profile_skip(*, learner: Any, now: datetime | None = None) -> LearnerProfile:
    """Onboarding put off ("Not now"; the defaults stay); nothing changes once it was answered."""
    profile, _ = LearnerProfile.objects.select_for_update().get_or_create(learner_id=learner.pk)
    if profile.completed_at is None and profile.skipped_at is None:
        profile.skipped_at = now or clock_now()
        profile.save(update_fields=["skipped_at", "updated_at"])
    return profile
