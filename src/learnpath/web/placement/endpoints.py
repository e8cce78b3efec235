"""REST endpoints for placement (mounted at /api/placement by learnpath.web.restapi).

Start (or resume) a placement, read the question on screen, answer it (or say "I haven't learned this
yet"), read its status and result. Every answer takes an ``idempotency_key`` made by the client once per
answer: sending it again returns the first result and records nothing; reusing it for another answer is
a 409. A learner only ever sees their own placement: there are no placement ids in the paths.

Schema classes are named for this app (``Placement…``): the OpenAPI document keys its schemas by class
name, so an ``AnswerIn`` here would replace the practice API's ``AnswerIn`` in the document.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from learnpath.web.placement import selectors, services
from learnpath.web.placement.access import access_placement_course
from learnpath.web.placement.errors import NoPlacement, PlacementError
from learnpath.web.placement.models import PlacementSession
from learnpath.web.schemas import CourseId, ErrorOut

router = Router(tags=["placement"])

READ_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
}


class PlacementChoiceOut(Schema):
    id: str
    text: str


class QuestionOut(Schema):
    item_id: str
    seed: int = Field(description="Send it back with the answer.")
    skill_id: str
    skill_name: str
    number: int = Field(description="This question's number (1 for the first).")
    type: str = Field(description="numeric, short_text, expression, single_choice, multiple_choice ...")
    prompt: str = Field(description="Markdown; $...$ is LaTeX.")
    choices: list[PlacementChoiceOut]
    unit: str


class PlacedSkillOut(Schema):
    id: str
    name: str
    p_known: float
    reason: str


class ResultOut(Schema):
    headline: str = Field(description="e.g. “You already know 12 skills; we'll start you at Fractions.”")
    questions: int
    known: list[PlacedSkillOut]
    to_learn: list[PlacedSkillOut]
    unsure: list[PlacedSkillOut]
    start_skill_id: str


class PlacementOut(Schema):
    status: str = Field(description="none, active, finished or skipped (the learner's latest placement)")
    answered: int
    max_questions: int
    question: QuestionOut | None
    result: ResultOut | None = Field(None, description="The latest finished placement's result, if any.")


class PlacementAnswerIn(Schema):
    item_id: str = Field(..., min_length=1, max_length=80)
    seed: int = Field(..., ge=0, le=2**63 - 1, description="The seed of the question being answered.")
    response: str | list[str] | None = Field(
        None, description="Text, or the chosen ids of a multiple-choice question; leave out with not_learned."
    )
    not_learned: bool = Field(False, description="“I haven't learned this yet”: an answer, not a skip.")
    idempotency_key: str = Field(
        ..., min_length=1, max_length=80, description="Made by the client once per answer (a UUID)."
    )


class PlacementAnswerOut(Schema):
    event_id: int = Field(description="The answer's event in the learner's log.")
    replayed: bool = False
    outcome: str = Field(description="correct, wrong or not_learned")
    message: str
    number: int
    finished: bool = Field(description="Placement is over: the result seeded the learner's map.")


def _question(session: PlacementSession) -> dict[str, Any] | None:
    question = session.question
    if question is None:
        return None
    placement = services.session_placement(session)
    if question["item_id"] not in placement.items:  # the course changed: POST …/start begins again
        return None
    item = placement.variant(question["item_id"], int(question["seed"]))
    return {
        "item_id": item.id,
        "seed": question["seed"],
        "skill_id": question["skill_id"],
        "skill_name": placement.graph.name(question["skill_id"]),
        "number": question["number"],
        "type": item.main.type,
        "prompt": item.prompt,
        "choices": [{"id": c.id, "text": c.text} for c in item.main.choices],
        "unit": item.main.unit,
    }


def _result(session: PlacementSession | None) -> dict[str, Any] | None:
    if session is None:
        return None
    summary = selectors.summary(session, services.session_placement(session).graph)
    if summary is None:
        return None
    return {
        "headline": summary.headline,
        "questions": summary.questions,
        "known": [vars(s) for s in summary.known],
        "to_learn": [vars(s) for s in summary.to_learn],
        "unsure": [vars(s) for s in summary.unsure],
        "start_skill_id": summary.start_skill_id,
    }


def _status(learner_id: int, course_id: str) -> dict[str, Any]:
    latest = selectors.latest_session(learner_id=learner_id, course_id=course_id)
    finished = selectors.last_finished(learner_id=learner_id, course_id=course_id)
    return {
        "status": latest.status if latest is not None else "none",
        "answered": latest.answered if latest is not None else 0,
        "max_questions": latest.max_questions
        if latest is not None
        else selectors.cap_for(learner_id=learner_id, course_id=course_id),
        "question": _question(latest) if latest is not None and latest.status == "active" else None,
        "result": _result(finished),
    }


@router.post(
    "/{course_id}/start", response={200: PlacementOut, **WRITE_ERRORS}, summary="Start or resume placement"
)
def placement_start(request: HttpRequest, course_id: CourseId) -> dict[str, Any]:
    """The placement in progress (resumed where it stopped), or a new one with its first question."""
    services.placement_start(learner=request.user, course_id=course_id)
    return _status(request.user.pk, course_id)


@router.get(
    "/{course_id}", response={200: PlacementOut, **READ_ERRORS}, summary="Placement status and result"
)
def placement_status(request: HttpRequest, course_id: CourseId) -> dict[str, Any]:
    """The learner's latest placement in the course (status ``none`` if never), and the last result."""
    access_placement_course(request.user, course_id)
    return _status(request.user.pk, course_id)


@router.get(
    "/{course_id}/question",
    response={200: QuestionOut, **READ_ERRORS, 409: ErrorOut},
    summary="The question on screen",
)
def placement_question(request: HttpRequest, course_id: CourseId) -> dict[str, Any]:
    """The question placement asks now. 404 when no placement is in progress."""
    access_placement_course(request.user, course_id)
    session = selectors.active_session(learner_id=request.user.pk, course_id=course_id)
    question = _question(session) if session is not None else None
    if question is None:
        raise NoPlacement("You have no placement in progress in this course. POST …/start to begin one.")
    return question


@router.get(
    "/{course_id}/result", response={200: ResultOut, **READ_ERRORS}, summary="The last placement's result"
)
def placement_result(request: HttpRequest, course_id: CourseId) -> dict[str, Any]:
    """What the last finished placement placed, with a reason per skill. 404 before any has finished."""
    access_placement_course(request.user, course_id)
    result = _result(selectors.last_finished(learner_id=request.user.pk, course_id=course_id))
    if result is None:
        raise NoPlacement("No placement of yours in this course has finished yet.")
    return result


@router.post(
    "/{course_id}/answers",
    response={200: PlacementAnswerOut, **WRITE_ERRORS},
    summary="Answer the placement question",
)
def placement_answer(request: HttpRequest, course_id: CourseId, payload: PlacementAnswerIn) -> dict[str, Any]:
    """Grade and record the answer to the question on screen (or "I haven't learned this yet").

    404: no placement in progress; 409: not the question on screen, or the key was used for another
    answer; 422: the answer cannot be read (nothing recorded: say it another way).
    """
    if not payload.not_learned and payload.response is None:
        raise PlacementError("Send a response, or not_learned: true for “I haven't learned this yet”.")
    result = services.placement_answer(
        learner=request.user,
        course_id=course_id,
        item_id=payload.item_id,
        seed=payload.seed,
        response=payload.response,
        not_learned=payload.not_learned,
        idempotency_key=payload.idempotency_key,
    )
    return result


@router.post("/{course_id}/skip", response={200: PlacementOut, **WRITE_ERRORS}, summary="Skip placement")
def placement_skip(request: HttpRequest, course_id: CourseId) -> dict[str, Any]:
    """Decline the offered placement, or stop the one in progress (nothing is seeded)."""
    services.placement_skip(learner=request.user, course_id=course_id)
    return _status(request.user.pk, course_id)
