"""Writes for placement: start (or resume), answer, skip, and a class's cap.

An answer is graded with ``content.checking.check_response`` and appended to the learner's event log
through ``learning.api.placement_event_record``, in one transaction with the session's new engine state
(the learner's row in the course is locked first, then the session: always in that order). The answer
that ends the placement also appends the ``placement`` event that seeds the learner's skills and review
schedule (``engine.placement.seed_progress``: never takes mastery away). Idempotency is the log's: the
same key with the same answer returns the first result and writes nothing; with another answer, 409.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from learnpath.content.checking import check_response
from learnpath.engine.placement import Outcome, PlacementResult, PlacementState
from learnpath.web.accounts import api as accounts_api
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning import api as learning_api
from learnpath.web.placement import selectors
from learnpath.web.placement.access import access_class_cap, access_placement_course
from learnpath.web.placement.course_placement import CoursePlacement, course_placement
from learnpath.web.placement.errors import NoPlacement, NotTheQuestion, PlacementError, Unreadable
from learnpath.web.placement.models import ClassPlacementCap, PlacementSession, SessionStatus

Response = str | Sequence[str] | None
# P(known) seeds the practice model's P(mastered). Kept off 0 and 1 so that later practice can still move
# it: BKT cannot update a probability of exactly 0 or 1 (every later answer would leave it there).
P_FLOOR, P_CEILING = 0.02, 0.98


def session_placement(session: PlacementSession) -> CoursePlacement:
    return course_placement(session.course_id, session.course_checksum, session.max_questions)


def _question(placement: CoursePlacement, state: PlacementState) -> dict[str, Any] | None:
    with placement.lock:
        question = placement.engine.next_question(state)
    if question is None:
        return None
    item = placement.items[question.item_id]
    return {
        "item_id": question.item_id,
        "seed": secrets.randbelow(2**31) if item.is_template else 0,
        "skill_id": question.skill_id,
        "number": len(state.answers) + 1,
    }


def _locked_active(learner: Any, course_id: str) -> PlacementSession | None:
    """The learner's placement in progress in the course, locked until the transaction ends."""
    return (
        PlacementSession.objects.select_for_update()
        .filter(learner_id=learner.pk, course_id=course_id, status=SessionStatus.ACTIVE)
        .first()
    )


def placement_start(*, learner: Any, course_id: str, now: datetime | None = None) -> PlacementSession:
    """The learner's placement in progress in the course, or a new one (resume, never restart)."""
    info = access_placement_course(learner, course_id)
    moment = now or timezone.now()
    with transaction.atomic():
        current = _locked_active(learner, course_id)
        if current is not None and current.course_checksum == info.checksum:
            return current
        if current is not None:
            # The course changed under it (a new version): its items may be gone; the answers stay logged.
            current.status, current.updated_at = SessionStatus.SKIPPED, moment
            current.save(update_fields=["status", "updated_at"])
        cap = selectors.cap_for(learner_id=learner.pk, course_id=course_id)
        placement = course_placement(info.id, info.checksum, cap)
        state = placement.engine.start(random_state=secrets.randbelow(2**31))
        question = _question(placement, state)
        session = PlacementSession(
            learner_id=learner.pk,
            course_id=course_id,
            course_checksum=info.checksum,
            max_questions=cap,
            engine_state=state.to_dict(),
            question=question,
            status=SessionStatus.ACTIVE if question is not None else SessionStatus.SKIPPED,
            started_at=moment,
            updated_at=moment,
        )
        try:
            with transaction.atomic():
                session.save()
        except IntegrityError:  # started at the same moment in another request: that one wins
            found = selectors.active_session(learner_id=learner.pk, course_id=course_id)
            if found is None:
                raise
            return found
    return session


def placement_skip(*, learner: Any, course_id: str, now: datetime | None = None) -> PlacementSession:
    """Decline or stop placement: the session in progress (or a new, empty one) is marked skipped.

    Answers already given stay in the log; nothing is seeded. The offer on the map does not come back;
    "Check what I know" still starts a new placement whenever the learner wants.
    """
    info = access_placement_course(learner, course_id)
    moment = now or timezone.now()
    with transaction.atomic():
        current = _locked_active(learner, course_id)
        if current is None:
            current = PlacementSession(
                learner_id=learner.pk,
                course_id=course_id,
                course_checksum=info.checksum,
                max_questions=0,
                engine_state=PlacementState(seed=0).to_dict(),
                started_at=moment,
            )
        current.status, current.question, current.updated_at = SessionStatus.SKIPPED, None, moment
        current.save()
    return current


def _grade(placement: CoursePlacement, question: dict[str, Any], response: Response) -> tuple[Outcome, Any]:
    item = placement.variant(question["item_id"], int(question["seed"]))
    verdict = check_response(item.main, response if response is not None else "")
    if verdict.status == "invalid":
        raise Unreadable(verdict.message)
    return (Outcome.CORRECT if verdict.correct else Outcome.WRONG), verdict


def _result_document(placement: CoursePlacement, state: PlacementState) -> dict[str, Any]:
    with placement.lock:
        result = placement.engine.result(state)
    document = result.to_dict()
    document["p_known"] = {s: min(P_CEILING, max(P_FLOOR, p)) for s, p in result.p_known.items()}
    return document


def placement_answer(
    *,
    learner: Any,
    course_id: str,
    item_id: str,
    seed: int | None,
    response: Response,
    not_learned: bool,
    idempotency_key: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record the answer to the question on screen (or "I haven't learned this yet"), and ask the next.

    Raises ``NoPlacement`` (404: none in progress), ``NotTheQuestion`` (409: not the question on screen),
    ``Unreadable`` (422: the answer cannot be read; not a wrong answer); the log's ``KeyReused`` (409).
    Returns the answer's result (``outcome``, ``finished``, ``number``, ``replayed``...).
    """
    # Access is checked by the log's writer (the same rule: where the learner may practise).
    payload = {
        "kind": "placement_answer",
        "item": item_id,
        "seed": seed,
        "response": None if not_learned else response,
        "not_learned": bool(not_learned),
    }

    def build(moment: datetime) -> list[dict[str, Any]]:
        session = _locked_active(learner, course_id)
        if session is None:
            raise NoPlacement(
                gettext(
                    "You have no placement in progress in this course. Start one with “Check what I know”."
                )
            )
        question = session.question
        if (
            question is None
            or question["item_id"] != item_id
            or (seed is not None and question["seed"] != seed)
        ):
            raise NotTheQuestion(
                gettext(
                    "The question {item_id!r} is not the one placement is asking you now. Reload the page "
                    "(or ask for the current question) and answer that one."
                ).format(item_id=item_id)
            )
        info = curriculum_api.course_info(course_id=course_id)
        if info is None or info.checksum != session.course_checksum:  # a new version since it started
            raise NotTheQuestion(
                gettext(
                    "This course has changed since your placement started. Open the placement page to start "
                    "again with the new questions."
                )
            )
        placement = session_placement(session)
        if not_learned:
            outcome, message, feedback = Outcome.NOT_LEARNED, "Noted: you haven't learned this yet.", None
        else:
            outcome, verdict = _grade(placement, question, response)
            message, feedback = verdict.message, verdict.feedback
        state = placement.engine.record(PlacementState.from_dict(session.engine_state), item_id, outcome)
        following = _question(placement, state)
        session.engine_state, session.question, session.updated_at = state.to_dict(), following, moment
        answer = {
            "kind": "placement_answer",
            "key": idempotency_key,
            "item_id": item_id,
            "seed": question["seed"],
            "skill_id": question["skill_id"],
            "response": None
            if not_learned or response is None
            else (response if isinstance(response, str) else list(response)),
            "verdict": str(outcome),
            "result": {
                "kind": "placement_answer",
                "session_id": session.pk,
                "item_id": item_id,
                "skill_id": question["skill_id"],
                "number": question["number"],
                "outcome": str(outcome),
                "message": message,
                "feedback": feedback,
                "finished": following is None,
            },
        }
        events = [answer]
        if following is None:
            document = _result_document(placement, state)
            result = PlacementResult.from_dict(document)
            session.status, session.finished_at, session.result = SessionStatus.FINISHED, moment, document
            session.start_skill_id = selectors.start_skill(placement.graph, result)
            events.append(
                {
                    "kind": "placement",
                    "key": f"{idempotency_key}#placed",
                    "result": {"kind": "placement", "session_id": session.pk, "placement": document},
                }
            )
        session.save()
        return events

    def record(make: Any) -> dict[str, Any]:
        return learning_api.placement_event_record(
            learner=learner,
            course_id=course_id,
            idempotency_key=idempotency_key,
            payload=payload,
            build=make,
            now=now,
        )

    result = record(build)
    if result.get("kind") == "placement":
        # The answer that finished the placement: answer with the answer's own event (read back by key).
        return {**record(_never), "replayed": False}
    return result


def _never(moment: datetime) -> list[dict[str, Any]]:
    raise AssertionError("only called for a key not used yet")


def cap_set(*, actor: Any, class_id: int, max_questions: int | None) -> int | None:
    """Set (or with None, clear) a class's cap on placement questions; the audit row in the same
    transaction. Returns the cap now in force for the class (None: the default)."""
    klass = access_class_cap(actor, class_id)
    if max_questions is not None and not selectors.MIN_CAP <= max_questions <= selectors.MAX_CAP:
        raise PlacementError(
            gettext(
                "The cap must be a whole number from {min_cap} to {max_cap} questions (or empty for the "
                "default of 20)."
            ).format(min_cap=selectors.MIN_CAP, max_cap=selectors.MAX_CAP)
        )
    with transaction.atomic():
        if max_questions is None:
            ClassPlacementCap.objects.filter(klass_id=klass.id).delete()
        else:
            ClassPlacementCap.objects.update_or_create(
                klass_id=klass.id, defaults={"max_questions": max_questions}
            )
        accounts_api.audit_record(
            actor=actor,
            action="placement.cap_set",
            target_type="class",
            target_id=klass.id,
            details={"max_questions": max_questions},
        )
    return max_questions
