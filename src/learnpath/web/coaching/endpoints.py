"""REST endpoints for teachers and learners (mounted at /api/coaching by learnpath.web.restapi)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from learnpath.web.coaching import access, selectors
from learnpath.web.coaching import api as coaching_api
from learnpath.web.schemas import ErrorOut

router = Router(tags=["coaching"])
ERRORS = {401: ErrorOut, 404: ErrorOut}


class SignalOut(Schema):
    kind: str
    title: str
    evidence: str
    action: str
    skill_id: str


class FlagOut(Schema):
    learner_id: int
    name: str
    signals: list[SignalOut]


class HeatRowOut(Schema):
    learner_id: int
    name: str
    p_mastered: list[int | None]
    mastered: int


class GroupOut(Schema):
    skill_id: str
    skill_name: str
    learner_ids: list[int]


class CockpitOut(Schema):
    class_id: int
    course_id: str
    skills: list[str]
    heatmap: list[HeatRowOut]
    needs_help: list[FlagOut]
    ready: list[FlagOut]
    groups: list[GroupOut]


class PlanEntryOut(Schema):
    course_id: str
    skill_id: str
    due: datetime
    class_name: str
    scope: str


def _flag(flag: object) -> dict[str, object]:
    return {
        "learner_id": flag.learner_id,  # type: ignore[attr-defined]
        "name": flag.name,  # type: ignore[attr-defined]
        "signals": [dataclasses.asdict(s) for s in flag.signals],  # type: ignore[attr-defined]
    }


@router.get(
    "/classes/{class_id}/cockpit",
    response={200: CockpitOut, **ERRORS, 422: ErrorOut},
    summary="A class's cockpit in one course (teachers of the class)",
)
def class_cockpit(request: HttpRequest, class_id: int, course: str = "") -> dict[str, object]:
    """The heatmap (P(mastered) in %, null: not started), who needs help now and why, who is ready, and
    small groups. ``course`` defaults to the first course attached to the class."""
    access.access_class_teacher(request.user, class_id)
    courses = selectors.class_course_ids(class_id=class_id)
    course_id = course or (courses[0] if courses else "")
    if course_id not in courses:
        raise Http404(
            f"The course {course_id!r} is not attached to this class; leave out ?course= for its first."
        )
    cockpit = selectors.class_cockpit(class_id=class_id, course_id=course_id, now=timezone.now())
    return {
        "class_id": class_id,
        "course_id": course_id,
        "skills": [skill_id for skill_id, _ in cockpit.skills],
        "heatmap": [
            {
                "learner_id": row.learner_id,
                "name": row.name,
                "p_mastered": [int(cell.label) if cell.label else None for cell in row.cells],
                "mastered": row.mastered,
            }
            for row in cockpit.rows
        ],
        "needs_help": [_flag(flag) for flag in cockpit.needs_help],
        "ready": [_flag(flag) for flag in cockpit.ready],
        "groups": [
            {"skill_id": g.skill_id, "skill_name": g.skill_name, "learner_ids": list(g.learner_ids)}
            for g in cockpit.groups
        ],
    }


@router.get("/plan", response={200: list[PlanEntryOut], **ERRORS}, summary="The signed-in learner's plan")
def my_plan(request: HttpRequest) -> list[object]:
    """The target skills a learner's teachers set (class, group and own), earliest due first."""
    if not access.access_is_learner(request.user):
        raise Http404("Plans are for learners; sign in as a learner.")
    return list(coaching_api.learner_plan(learner_id=request.user.pk))
