"""Reads for placement: the learner's sessions, the cap that applies, and the summary of a result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, ngettext

from learnpath.engine.placement import PlacementResult
from learnpath.engine.skill_graph import SkillGraph
from learnpath.web.accounts import api as accounts_api
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.placement.models import ClassPlacementCap, PlacementSession, SessionStatus

DEFAULT_CAP = 20
MIN_CAP = 1
MAX_CAP = 60


def active_session(*, learner_id: int, course_id: str) -> PlacementSession | None:
    return PlacementSession.objects.filter(
        learner_id=learner_id, course_id=course_id, status=SessionStatus.ACTIVE
    ).first()


def latest_session(*, learner_id: int, course_id: str) -> PlacementSession | None:
    return PlacementSession.objects.filter(learner_id=learner_id, course_id=course_id).order_by("-id").first()


def last_finished(*, learner_id: int, course_id: str) -> PlacementSession | None:
    return (
        PlacementSession.objects.filter(
            learner_id=learner_id, course_id=course_id, status=SessionStatus.FINISHED
        )
        .order_by("-id")
        .first()
    )


def class_cap(*, class_id: int) -> int | None:
    """The class's own cap, or None where it uses the default."""
    return ClassPlacementCap.objects.filter(klass_id=class_id).values_list("max_questions", flat=True).first()


def cap_for(*, learner_id: int, course_id: str) -> int:
    """The cap for this learner in this course: the lowest cap of their classes that have the course
    (a teacher who wants short placements gets them), else ``DEFAULT_CAP``."""
    courses = curriculum_api.class_course_ids_of(
        class_ids=[klass.id for klass in accounts_api.classes_of_learner(learner_id=learner_id)]
    )
    class_ids = [class_id for class_id, course_ids in courses.items() if course_id in course_ids]
    caps = list(
        ClassPlacementCap.objects.filter(klass_id__in=class_ids).values_list("max_questions", flat=True)
    )
    return min(caps) if caps else DEFAULT_CAP


@dataclass(frozen=True)
class PlacedSkill:
    id: str
    name: str
    p_known: float
    reason: str


@dataclass(frozen=True)
class Summary:
    """A finished placement in words: what is known, what to learn, what practice will settle."""

    questions: int
    known: list[PlacedSkill]
    to_learn: list[PlacedSkill]
    unsure: list[PlacedSkill]
    start_skill_id: str
    start_skill_name: str

    @property
    def headline(self) -> str:
        known = len(self.known)
        start = self.start_skill_name
        if not known:
            if start:
                return gettext(
                    "Placement found nothing you already know well, so you start at the beginning; "
                    "we'll start you at %(start)s."
                ) % {"start": start}
            return gettext("Placement found nothing you already know well, so you start at the beginning.")
        if start:
            return ngettext(
                "You already know %(known)d skill; we'll start you at %(start)s.",
                "You already know %(known)d skills; we'll start you at %(start)s.",
                known,
            ) % {"known": known, "start": start}
        return ngettext("You already know %(known)d skill.", "You already know %(known)d skills.", known) % {
            "known": known
        }


def start_skill(graph: SkillGraph, result: PlacementResult) -> str:
    """The first skill in prerequisite order that is not placed as known and whose prerequisites are."""
    for skill_id in graph.topological_order():
        if skill_id not in result.placed_known and graph.is_ready(skill_id, result.placed_known):
            return skill_id
    return ""


def summary(session: PlacementSession, graph: SkillGraph) -> Summary | None:
    if session.result is None:
        return None
    result = PlacementResult.from_dict(session.result)
    known, to_learn, unsure = [], [], []
    for skill_id in graph.topological_order():
        if skill_id not in result.p_known:
            continue
        placed = PlacedSkill(
            skill_id, graph.name(skill_id), round(result.p_known[skill_id], 3), result.reasons[skill_id]
        )
        if skill_id in result.placed_known:
            known.append(placed)
        elif skill_id in result.placed_not_known:
            to_learn.append(placed)
        else:
            unsure.append(placed)
    start = session.start_skill_id
    return Summary(
        questions=result.questions,
        known=known,
        to_learn=to_learn,
        unsure=unsure,
        start_skill_id=start,
        start_skill_name=graph.name(start) if start and start in graph else "",
    )


def map_notes(*, learner_id: int, course_id: str) -> dict[str, str]:
    """Why the last finished placement placed each skill where it did (for the learner's map)."""
    session = last_finished(learner_id=learner_id, course_id=course_id)
    if session is None or session.result is None:
        return {}
    reasons: dict[str, Any] = session.result.get("reasons", {})
    return {str(k): str(v) for k, v in reasons.items()}
