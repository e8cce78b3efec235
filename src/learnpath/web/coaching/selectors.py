"""Reads for coaching: attached courses, join codes, the pacing guide, the cockpit, interventions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from learnpath.engine.policy import Assignment
from learnpath.web.accounts import api as accounts_api
from learnpath.web.coaching import cockpit as cockpit_rules
from learnpath.web.coaching.models import (
    EnrolmentRequest,
    EnrolmentRequestStatus,
    Intervention,
    InterventionLearner,
    JoinCode,
    LearnerGroup,
    PacingTarget,
)
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning import api as learning_api


def class_course_ids(*, class_id: int) -> list[str]:
    """The ids of the courses a class uses, in the order they were attached (curriculum keeps the link)."""
    return curriculum_api.class_course_ids(class_id=class_id)


def enrolment_requests_sent(*, user_id: int, limit: int = 50) -> list[EnrolmentRequest]:
    """The enrolment requests a teacher made, newest first, with the class and the learner."""
    return list(
        EnrolmentRequest.objects.filter(requested_by_id=user_id)
        .select_related("klass", "learner")
        .order_by("-requested_at", "-id")[:limit]
    )


def enrolment_requests_pending(*, class_id: int) -> list[EnrolmentRequest]:
    """The requests to enrol someone in the class that still wait for an answer."""
    return list(
        EnrolmentRequest.objects.filter(klass_id=class_id, status=EnrolmentRequestStatus.PENDING)
        .select_related("learner")
        .order_by("requested_at", "id")
    )


def join_code(*, class_id: int) -> JoinCode | None:
    return JoinCode.objects.filter(klass_id=class_id).first()


def course_skills(*, course_id: str) -> list[tuple[str, str]]:
    """(skill id, name) of a course's live skills, in the order the pack lists them (cached per version)."""
    return learning_api.course_skill_names(course_id=course_id)


def groups(*, class_id: int) -> list[LearnerGroup]:
    return list(LearnerGroup.objects.filter(klass_id=class_id).prefetch_related("learners"))


@dataclass(frozen=True)
class TargetRow:
    id: int
    course_id: str
    skill_id: str
    skill_name: str
    due: datetime
    scope: str
    group_id: int | None
    learner_id: int | None


def pacing_targets(*, class_id: int, course_id: str | None = None) -> list[PacingTarget]:
    """The pacing guide of a class (one course or all), earliest due first."""
    targets = PacingTarget.objects.filter(klass_id=class_id).select_related("group", "learner")
    if course_id is not None:
        targets = targets.filter(course_id=course_id)
    return list(targets.order_by("due", "id"))


def _targets_by_learner(
    targets: list[PacingTarget], learner_ids: list[int], group_members: dict[int, set[int]]
) -> dict[int, list[cockpit_rules.Target]]:
    out: dict[int, list[cockpit_rules.Target]] = defaultdict(list)
    for target in targets:
        if target.learner_id is not None:
            applies = [target.learner_id] if target.learner_id in learner_ids else []
        elif target.group_id is not None:
            applies = [i for i in learner_ids if i in group_members.get(target.group_id, set())]
        else:
            applies = learner_ids
        for learner_id in applies:
            out[learner_id].append(cockpit_rules.Target(target.pk, target.skill_id, target.due))
    return out


def _group_members(class_id: int) -> dict[int, set[int]]:
    members: dict[int, set[int]] = defaultdict(set)
    for group_id, learner_id in LearnerGroup.learners.through.objects.filter(
        learnergroup__klass_id=class_id
    ).values_list("learnergroup_id", "user_id"):
        members[group_id].add(learner_id)
    return members


def learner_targets(*, learner_id: int, course_id: str | None = None) -> list[PacingTarget]:
    """Every pacing target that applies to a learner (their classes', their groups', their own)."""
    class_ids = [klass.id for klass in accounts_api.classes_of_learner(learner_id=learner_id)]
    applies = (
        Q(group__isnull=True, learner__isnull=True) | Q(learner_id=learner_id) | Q(group__learners=learner_id)
    )
    targets = PacingTarget.objects.filter(Q(klass_id__in=class_ids) & applies)
    if course_id is not None:
        targets = targets.filter(course_id=course_id)
    return list(targets.select_related("klass").distinct().order_by("due", "id"))


def assignments_for(*, learner_id: int, course_id: str) -> list[Assignment]:
    """The learner's pacing targets in a course as the policy's ``Assignment``s (one per skill, earliest)."""
    earliest: dict[str, datetime] = {}
    for target in learner_targets(learner_id=learner_id, course_id=course_id):
        if target.skill_id not in earliest or target.due < earliest[target.skill_id]:
            earliest[target.skill_id] = target.due
    return [
        Assignment(skill_id=skill, due=due) for skill, due in sorted(earliest.items(), key=lambda kv: kv[1])
    ]


def cells_by_learner(
    *, learner_ids: list[int], course_id: str
) -> dict[int, dict[str, cockpit_rules.SkillCell]]:
    cells: dict[int, dict[str, cockpit_rules.SkillCell]] = defaultdict(dict)
    for row in learning_api.skill_progress_rows(learner_ids=learner_ids, course_id=course_id):
        cells[row.learner_id][row.skill_id] = cockpit_rules.SkillCell(
            p_mastered=row.p_mastered,
            answers=row.answers,
            mastered=row.mastered,
            lapsed=row.lapsed,
            last_practised=row.last_practised,
        )
    return cells


def _activities(rows: list[object]) -> list[cockpit_rules.Activity]:
    return [
        cockpit_rules.Activity(
            kind=row.kind,  # type: ignore[attr-defined]
            skill_ids=tuple(row.skill_ids),  # type: ignore[attr-defined]
            item_id=row.item_id,  # type: ignore[attr-defined]
            verdict=row.verdict,  # type: ignore[attr-defined]
            occurred_at=row.occurred_at,  # type: ignore[attr-defined]
        )
        for row in rows
    ]


def class_cockpit(*, class_id: int, course_id: str, now: datetime) -> cockpit_rules.Cockpit:
    """The cockpit of a class in one course: a fixed number of queries whatever the class size."""
    learners = accounts_api.class_learners(class_id=class_id)
    learner_ids = [learner.id for learner in learners]
    skills = course_skills(course_id=course_id)
    recent = learning_api.recent_events(
        learner_ids=learner_ids, course_id=course_id, per_learner=cockpit_rules.RECENT_EVENTS
    )
    targets = pacing_targets(class_id=class_id, course_id=course_id)
    activities = {learner_id: _activities(rows) for learner_id, rows in recent.items()}
    current = {
        learner_id: skill
        for learner_id, rows in activities.items()
        if (skill := cockpit_rules.current_skill(rows)) is not None
    }
    return cockpit_rules.cockpit_build(
        learners=[(learner.id, learner.name) for learner in learners],
        skills=skills,
        cells=cells_by_learner(learner_ids=learner_ids, course_id=course_id),
        recent=activities,
        predicted=learning_api.predicted_correct(course_id=course_id, skill_by_learner=current),
        last_active=learning_api.last_active_at(learner_ids=learner_ids, course_id=course_id),
        targets=_targets_by_learner(targets, learner_ids, _group_members(class_id)),
        now=now,
    )


@dataclass(frozen=True)
class Outcome:
    learner_id: int
    name: str
    p_before: float | None
    p_now: float | None
    answers_since: int

    @property
    def change(self) -> float | None:
        if self.p_before is None or self.p_now is None:
            return None
        return self.p_now - self.p_before


@dataclass(frozen=True)
class InterventionView:
    intervention: Intervention
    skill_name: str
    outcomes: tuple[Outcome, ...]


def interventions_with_outcomes(*, class_id: int, course_id: str | None = None) -> list[InterventionView]:
    """Each intervention with, per learner, P(mastered) of its skill then and now and the answers since."""
    interventions = list(
        Intervention.objects.filter(klass_id=class_id, **({"course_id": course_id} if course_id else {}))
        .select_related("created_by")
        .prefetch_related("learner_rows__learner")
    )
    now_by_course: dict[str, dict[tuple[int, str], tuple[float, int]]] = {}
    names_by_course: dict[str, dict[str, str]] = {}
    for course in {i.course_id for i in interventions}:
        ids = sorted(
            {row.learner_id for i in interventions if i.course_id == course for row in i.learner_rows.all()}
        )
        now_by_course[course] = {
            (row.learner_id, row.skill_id): (row.p_mastered, row.answers)
            for row in learning_api.skill_progress_rows(learner_ids=ids, course_id=course)
        }
        names_by_course[course] = dict(course_skills(course_id=course))
    views = []
    for intervention in interventions:
        current = now_by_course.get(intervention.course_id, {})
        outcomes = []
        for row in intervention.learner_rows.all():
            p_now, answers_now = current.get((row.learner_id, intervention.skill_id), (None, 0))
            outcomes.append(
                Outcome(
                    learner_id=row.learner_id,
                    name=str(row.learner),
                    p_before=row.p_before,
                    p_now=p_now,
                    answers_since=max(answers_now - row.answers_before, 0),
                )
            )
        skill_name = names_by_course.get(intervention.course_id, {}).get(
            intervention.skill_id, intervention.skill_id
        )
        views.append(InterventionView(intervention, skill_name, tuple(outcomes)))
    return views


def learner_interventions(*, class_id: int, learner_id: int) -> list[Intervention]:
    return list(
        Intervention.objects.filter(klass_id=class_id, learner_rows__learner_id=learner_id).order_by(
            "-created_at"
        )
    )


def intervention_learner_rows(*, intervention_id: int) -> list[InterventionLearner]:
    return list(InterventionLearner.objects.filter(intervention_id=intervention_id))
