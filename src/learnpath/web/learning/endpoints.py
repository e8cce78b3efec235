"""REST endpoints for practice (mounted at /api/learning by learnpath.web.restapi).

The same loop as the pages: map, next activity, start or choose, answer, hint, solution, skip, resource.
Every write takes an ``idempotency_key`` made by the client once per action: sending the same request
again returns the first result and records nothing; reusing a key for another request is a 409.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from learnpath.engine.learner_loop import OpenQuestion
from learnpath.web.learning import selectors, services
from learnpath.web.learning.clock import now as clock_now
from learnpath.web.learning.course_model import course_model_in_use
from learnpath.web.learning.store import state_load
from learnpath.web.schemas import CourseId, ErrorOut

router = Router(tags=["learning"])

KEY = Field(..., min_length=1, max_length=80, description="Made by the client once per action (a UUID).")
ID = Field(..., min_length=1, max_length=80)
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


class SuggestionOut(Schema):
    kind: str = Field(description="review, chosen, assigned, mastery_check, practice or extra")
    skill_id: str
    skill_name: str
    item_id: str
    reason: str


class MapSkillOut(Schema):
    id: str
    name: str
    state: str = Field(description="mastered, review_due, in_progress, ready or not_yet")
    label: str
    reason: str
    p_mastered: float
    depth: int
    teacher_note: str = Field(
        "", description="A teacher's override of this skill in their words (empty when there is none)."
    )


class BoardOut(Schema):
    skill_id: str
    name: str
    state: str
    reason: str


class ChoiceOut(Schema):
    id: str
    text: str


class PartOut(Schema):
    id: str
    type: str
    prompt: str
    choices: list[ChoiceOut]
    unit: str
    hints_available: int


class StepOut(PartOut):
    scaffolds: list[PartOut]


class ActivityOut(Schema):
    item_id: str
    seed: int
    skills: list[str]
    kind: str
    reason: str
    type: str
    prompt: str = Field(description="Markdown; $...$ is LaTeX.")
    choices: list[ChoiceOut]
    unit: str
    hints_available: int
    steps: list[StepOut]
    solved: list[str]
    finished: bool


class MapOut(Schema):
    course_id: str
    skills: list[MapSkillOut]
    next: SuggestionOut | None
    board: list[BoardOut]
    open_activity: ActivityOut | None


class NextOut(Schema):
    suggestions: list[SuggestionOut]
    open_activity: ActivityOut | None


class StartIn(Schema):
    idempotency_key: str = KEY


class ChooseIn(Schema):
    skill_id: str = ID
    idempotency_key: str = KEY


class AnswerIn(Schema):
    item_id: str = ID
    seed: int = Field(..., ge=0, le=2**63 - 1, description="The seed of the activity being answered.")
    step_id: str = Field(
        "", max_length=80, description="Empty for a one-part question; else a step or scaffold."
    )
    response: str | list[str] = Field(
        ..., description="Text, or the chosen ids of a multiple-choice question."
    )
    confidence: Literal["low", "medium", "high"] | None = None
    idempotency_key: str = KEY


class PartRefIn(Schema):
    item_id: str = ID
    seed: int = Field(..., ge=0, le=2**63 - 1)
    step_id: str = Field("", max_length=80)
    idempotency_key: str = KEY


class ItemRefIn(Schema):
    item_id: str = ID
    seed: int = Field(..., ge=0, le=2**63 - 1)
    idempotency_key: str = KEY


class AnswerOut(Schema):
    event_id: int
    replayed: bool = False
    item_id: str
    step_id: str = ""
    status: str = Field(description="correct or incorrect (an unreadable answer is a 422)")
    correct: bool
    message: str
    feedback: str | None = Field(None, description="The author's message for this particular wrong answer.")
    finished: bool = Field(description="The question is done; ask for the next activity.")
    counted: bool = Field(description="This answer was the question's evidence for the learner model.")
    mastered: list[str]
    unlocked: list[str]
    lapsed: list[str]
    messages: list[str]
    solution: str = ""


class HintOut(Schema):
    event_id: int
    replayed: bool = False
    item_id: str
    step_id: str
    number: int
    hint: str
    remaining: int


class SolutionOut(Schema):
    event_id: int
    replayed: bool = False
    item_id: str
    solution: str


class ResourceViewOut(Schema):
    event_id: int
    replayed: bool = False
    resource_id: str
    title: str
    url: str


def _suggestion(model: Any, s: Any) -> dict[str, Any]:
    return {
        "kind": str(s.kind),
        "skill_id": s.skill_id,
        "skill_name": model.graph.name(s.skill_id),
        "item_id": s.item_id,
        "reason": s.reason,
    }


def _open(model: Any, state: Any) -> dict[str, Any] | None:
    attempt = state.open_attempt()
    return selectors.activity_document(model, attempt) if attempt is not None else None


def _activity(request: HttpRequest, course_id: str, started: dict[str, Any]) -> dict[str, Any]:
    """The question a start or a choice opened (read back only when an earlier one was resumed)."""
    model = course_model_in_use(course_id) or services.practice_course(request.user, course_id)
    if started.get("kind") == "start":
        attempt = OpenQuestion(
            item_id=started["item_id"],
            seed=started["seed"],
            skills=tuple(started["skills"]),
            kind=started["suggestion"],
            reason=started["reason"],
        )
    else:
        found = state_load(
            learner_id=request.user.pk, course_id=course_id, course=model.loop, with_resources=False
        ).open_question()
        assert found is not None  # a start that succeeded leaves a question open
        attempt = found
    return selectors.activity_document(model, attempt)


@router.get("/{course_id}/map", response={200: MapOut, **READ_ERRORS}, summary="The learner's skill map")
def learner_map(request: HttpRequest, course_id: CourseId) -> dict[str, Any]:
    """Every skill with its state and the reason for it, the top suggestion, and the choice board."""
    model = services.practice_course(request.user, course_id)
    state = state_load(learner_id=request.user.pk, course_id=course_id, with_resources=False)
    now = clock_now()
    ranked = selectors.suggestions(state, model, now=now)
    return {
        "course_id": course_id,
        "skills": [vars(s) for s in selectors.map_skills(state, model, now=now)],
        "next": _suggestion(model, ranked[0]) if ranked else None,
        "board": [
            {"skill_id": e.skill_id, "name": e.name, "state": str(e.state), "reason": e.reason}
            for e in selectors.board(state, model, now=now)
        ],
        "open_activity": _open(model, state),
    }


@router.get("/{course_id}/next", response={200: NextOut, **READ_ERRORS}, summary="What to do next, ranked")
def next_activity(request: HttpRequest, course_id: CourseId) -> dict[str, Any]:
    """The ranked suggestions, each with its reason, and the question still open (if any). Reads only."""
    model = services.practice_course(request.user, course_id)
    state = state_load(learner_id=request.user.pk, course_id=course_id, with_resources=False)
    ranked = selectors.suggestions(state, model, now=clock_now())
    return {"suggestions": [_suggestion(model, s) for s in ranked], "open_activity": _open(model, state)}


@router.post(
    "/{course_id}/activities", response={200: ActivityOut, **WRITE_ERRORS}, summary="Start the next activity"
)
def activity_start(request: HttpRequest, course_id: CourseId, payload: StartIn) -> dict[str, Any]:
    """Start the top suggestion; if a question is still open, it is returned instead (no event, but the key
    is kept: sent again later, even after that question closed, it returns that question again)."""
    started = services.activity_start(
        learner=request.user, course_id=course_id, idempotency_key=payload.idempotency_key
    )
    return _activity(request, course_id, started)


@router.post("/{course_id}/choose", response={200: ActivityOut, **WRITE_ERRORS}, summary="Choose a skill")
def skill_choose(request: HttpRequest, course_id: CourseId, payload: ChooseIn) -> dict[str, Any]:
    """Choose a skill to practise (logged); its first question starts. A locked skill starts with the
    nearest skill it builds on."""
    started = services.skill_choose(
        learner=request.user,
        course_id=course_id,
        skill_id=payload.skill_id,
        idempotency_key=payload.idempotency_key,
    )
    return _activity(request, course_id, started)


@router.post("/{course_id}/answers", response={200: AnswerOut, **WRITE_ERRORS}, summary="Submit an answer")
def answer_submit(request: HttpRequest, course_id: CourseId, payload: AnswerIn) -> dict[str, Any]:
    """Grade an answer to the open question (or one of its steps or scaffolds) and record it.

    409 when the question is not the open one, or a step is answered out of turn; 422 when the answer
    cannot be read (the message says what to fix; nothing is recorded).
    """
    return services.attempt_record(
        learner=request.user,
        course_id=course_id,
        item_id=payload.item_id,
        seed=payload.seed,
        step_id=payload.step_id,
        response=payload.response,
        idempotency_key=payload.idempotency_key,
        confidence=payload.confidence,
    )


@router.post(
    "/{course_id}/skip", response={200: AnswerOut, **WRITE_ERRORS}, summary="I haven't learned this yet"
)
def answer_skip(request: HttpRequest, course_id: CourseId, payload: ItemRefIn) -> dict[str, Any]:
    """Close the open question as not learned yet; the worked solution comes back to read."""
    result = services.attempt_skip(
        learner=request.user,
        course_id=course_id,
        item_id=payload.item_id,
        seed=payload.seed,
        idempotency_key=payload.idempotency_key,
    )
    return {"status": "incorrect", "correct": False, "message": "Not learned yet: that is fine.", **result}


@router.post("/{course_id}/hints", response={200: HintOut, **WRITE_ERRORS}, summary="The next hint")
def hint_reveal(request: HttpRequest, course_id: CourseId, payload: PartRefIn) -> dict[str, Any]:
    """The next hint of the open question (empty step_id) or of one of its steps, one at a time."""
    return services.hint_reveal(
        learner=request.user,
        course_id=course_id,
        item_id=payload.item_id,
        seed=payload.seed,
        step_id=payload.step_id,
        idempotency_key=payload.idempotency_key,
    )


@router.post(
    "/{course_id}/solution", response={200: SolutionOut, **WRITE_ERRORS}, summary="The worked solution"
)
def solution_view(request: HttpRequest, course_id: CourseId, payload: ItemRefIn) -> dict[str, Any]:
    """The worked solution of the open question (the question then does not count as right)."""
    return services.solution_view(
        learner=request.user,
        course_id=course_id,
        item_id=payload.item_id,
        seed=payload.seed,
        idempotency_key=payload.idempotency_key,
    )


@router.post(
    "/{course_id}/resources/{resource_id}/views",
    response={200: ResourceViewOut, **WRITE_ERRORS},
    summary="Log a resource view",
)
def resource_view(
    request: HttpRequest, course_id: CourseId, resource_id: str, payload: StartIn
) -> dict[str, Any]:
    """Log that the learner opened a resource; resources that helped them come first later."""
    return services.resource_view(
        learner=request.user,
        course_id=course_id,
        resource_id=resource_id,
        idempotency_key=payload.idempotency_key,
    )
