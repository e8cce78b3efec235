"""Reads for coaching: attached courses, join codes, the pacing guide, the cockpit, interventions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q

from learnpath.engine.policy import Assignment
from learnpath.web.accounts import api as accounts_api
from learnpath.web.agency import api as agency_api
from learnpath.web.coaching import cockpit as cockpit_rules
from learnpath.web.coaching.models import (
    EnrolmentRequest,
    EnrolmentRequestStatus,
    InboxState,
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


def _group_members(class_ids: list[int]) -> dict[int, set[int]]:
    """The learners of each group of these classes (group ids are unique across classes): one query."""
    members: dict[int, set[int]] = defaultdict(set)
    for group_id, learner_id in LearnerGroup.learners.through.objects.filter(
        learnergroup__klass_id__in=class_ids
    ).values_list("learnergroup_id", "user_id"):
        members[group_id].add(learner_id)
    return members


@dataclass(frozen=True)
class TargetCompletion:
    """How far the learners a target applies to have come: how many mastered its skill, and who not yet."""

    target_id: int
    mastered: int
    learners: int
    not_yet: tuple[str, ...]

    @property
    def percent(self) -> int:
        return round(100 * self.mastered / self.learners) if self.learners else 0


def target_completion(
    *, class_id: int, course_id: str, targets: list[PacingTarget]
) -> dict[int, TargetCompletion]:
    """Per target of the class and course: of the class's learners it applies to, how many have mastered its
    skill now (a lapsed skill still counts as mastered: review is due, nothing is taken away). Two queries
    besides the class list, whatever the number of targets."""
    learners = accounts_api.class_learners(class_id=class_id)
    learner_ids = [learner.id for learner in learners]
    names = {learner.id: str(learner.name) for learner in learners}
    applies = _targets_by_learner(targets, learner_ids, _group_members([class_id]))
    mastered = {
        (row.learner_id, row.skill_id)
        for row in learning_api.skill_progress_rows(learner_ids=learner_ids, course_id=course_id)
        if row.mastered
    }
    by_target: dict[int, list[int]] = defaultdict(list)
    for learner_id, learner_targets_of in applies.items():
        for target in learner_targets_of:
            by_target[target.id].append(learner_id)
    out = {}
    for target in targets:
        ids = sorted(by_target.get(target.pk, []), key=lambda i: names[i].casefold())
        done = [i for i in ids if (i, target.skill_id) in mastered]
        out[target.pk] = TargetCompletion(
            target_id=target.pk,
            mastered=len(done),
            learners=len(ids),
            not_yet=tuple(names[i] for i in ids if (i, target.skill_id) not in mastered),
        )
    return out


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


@dataclass(frozen=True)
class _CourseReadings:
    """What the cockpit's rules read about some learners in one course, each read once for all of them
    (one class, or every class of a teacher that uses the course)."""

    skills: list[tuple[str, str]]
    cells: dict[int, dict[str, cockpit_rules.SkillCell]]
    recent: dict[int, list[cockpit_rules.Activity]]
    last_active: dict[int, datetime | None]
    predicted: dict[int, float]


def _course_readings(*, learner_ids: list[int], course_id: str) -> _CourseReadings:
    """The cockpit's inputs for these learners in the course: a fixed number of queries whatever their
    number."""
    recent = learning_api.recent_events(
        learner_ids=learner_ids,
        course_id=course_id,
        per_learner=cockpit_rules.RECENT_EVENTS,
    )
    activities = {learner_id: _activities(rows) for learner_id, rows in recent.items()}
    current = {
        learner_id: skill
        for learner_id, rows in activities.items()
        if (skill := cockpit_rules.current_skill(rows)) is not None
    }
    return _CourseReadings(
        skills=course_skills(course_id=course_id),
        cells=cells_by_learner(learner_ids=learner_ids, course_id=course_id),
        recent=activities,
        last_active=learning_api.last_active_at(learner_ids=learner_ids, course_id=course_id),
        predicted=learning_api.predicted_correct(course_id=course_id, skill_by_learner=current),
    )


def class_cockpit(*, class_id: int, course_id: str, now: datetime) -> cockpit_rules.Cockpit:
    """The cockpit of a class in one course: a fixed number of queries whatever the class size."""
    learners = accounts_api.class_learners(class_id=class_id)
    learner_ids = [learner.id for learner in learners]
    readings = _course_readings(learner_ids=learner_ids, course_id=course_id)
    targets = pacing_targets(class_id=class_id, course_id=course_id)
    return cockpit_rules.cockpit_build(
        learners=[(learner.id, learner.name) for learner in learners],
        skills=readings.skills,
        cells=readings.cells,
        recent=readings.recent,
        predicted=readings.predicted,
        last_active=readings.last_active,
        targets=_targets_by_learner(targets, learner_ids, _group_members([class_id])),
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


# -- the teacher's day: an overview of every class, and an inbox -----------------------------------------

INBOX_DAYS = 14
"""How far back the inbox reaches: older work is on each learner's page."""


@dataclass(frozen=True)
class ClassFlag:
    """A learner of one of the teacher's classes who needs help now, in one course of the class."""

    class_id: int
    class_name: str
    course_id: str
    course_title: str
    flag: cockpit_rules.LearnerFlag


@dataclass(frozen=True)
class ClassSummary:
    """One class on the teacher's overview."""

    klass: accounts_api.ClassInfo
    learners: int
    courses: list[tuple[str, str]]  # (id, title)
    needs_help: list[ClassFlag]
    targets_overdue: int
    new_work: int


@dataclass(frozen=True)
class InboxItem:
    """New work in the inbox: who, in which class, what, when, and whether it is new to the teacher."""

    work: agency_api.NewWork
    learner_name: str
    class_id: int
    class_name: str
    is_new: bool


@dataclass(frozen=True)
class Inbox:
    items: list[InboxItem]
    flags: list[ClassFlag]
    seen_until: datetime | None
    email_daily: bool

    @property
    def new(self) -> int:
        return sum(1 for item in self.items if item.is_new)


def inbox_state(*, teacher_id: int) -> InboxState:
    """The teacher's inbox state (unsaved and empty if they never opened it)."""
    return InboxState.objects.filter(teacher_id=teacher_id).first() or InboxState(teacher_id=teacher_id)


def _classes_with_learners(
    teacher: Any,
) -> list[tuple[accounts_api.ClassInfo, list[accounts_api.PersonInfo]]]:
    classes = accounts_api.classes_taught(user=teacher, own=True)
    learners = accounts_api.learners_of_classes(class_ids=[klass.id for klass in classes])
    return [(klass, learners[klass.id]) for klass in classes]


def _course_titles(course_ids: set[str]) -> dict[str, str]:
    found = curriculum_api.courses_info(course_ids=course_ids)
    return {
        course_id: found[course_id].title if course_id in found else course_id for course_id in course_ids
    }


@dataclass(frozen=True)
class _ClassesAtAGlance:
    """For each of a teacher's classes: who needs help now (each course of the class in the order it was
    attached) and how many pacing targets are past due and not yet mastered by all they apply to."""

    flags: dict[int, list[ClassFlag]]
    overdue: dict[int, int]


def _classes_at_a_glance(
    classes: list[tuple[accounts_api.ClassInfo, list[accounts_api.PersonInfo]]],
    course_ids: dict[int, list[str]],
    titles: dict[str, str],
    now: datetime,
) -> _ClassesAtAGlance:
    """The cockpit's "needs help" list of every class, read once per course for all the classes that use
    it (the same rules as the cockpit, without its heatmap): the number of queries grows with the courses
    the teacher's classes use, not with the classes or their learners."""
    members = _group_members([klass.id for klass, _ in classes])
    flags: dict[tuple[int, str], list[ClassFlag]] = {}
    overdue: dict[int, int] = defaultdict(int)
    for course_id in sorted({c for ids in course_ids.values() for c in ids}):
        using = [(klass, learners) for klass, learners in classes if course_id in course_ids[klass.id]]
        readings = _course_readings(
            learner_ids=sorted({learner.id for _, learners in using for learner in learners}),
            course_id=course_id,
        )
        targets: dict[int, list[PacingTarget]] = defaultdict(list)
        for target in PacingTarget.objects.filter(
            klass_id__in=[klass.id for klass, _ in using], course_id=course_id
        ).order_by("due", "id"):
            targets[target.klass_id].append(target)
        for klass, learners in using:
            learner_ids = [learner.id for learner in learners]
            applies = _targets_by_learner(targets[klass.id], learner_ids, members)
            flags[klass.id, course_id] = [
                ClassFlag(klass.id, klass.name, course_id, titles.get(course_id, course_id), flag)
                for flag in cockpit_rules.needs_help(
                    learners=[(learner.id, learner.name) for learner in learners],
                    skills=readings.skills,
                    cells=readings.cells,
                    recent=readings.recent,
                    last_active=readings.last_active,
                    targets=applies,
                    now=now,
                    predicted=readings.predicted,
                )
            ]
            overdue[klass.id] += _overdue_count(targets[klass.id], applies, readings.cells, now)
    return _ClassesAtAGlance(
        flags={
            klass.id: [flag for course_id in course_ids[klass.id] for flag in flags[klass.id, course_id]]
            for klass, _ in classes
        },
        overdue=dict(overdue),
    )


def _overdue_count(
    targets: list[PacingTarget],
    applies: dict[int, list[cockpit_rules.Target]],
    cells: dict[int, dict[str, cockpit_rules.SkillCell]],
    now: datetime,
) -> int:
    """Targets past due that someone they apply to has not mastered (a lapsed skill still counts as
    mastered, as on the pacing page: ``target_completion``)."""
    behind = {
        target.id
        for learner_id, learner_targets in applies.items()
        for target in learner_targets
        if target.due < now
        and not ((cell := cells.get(learner_id, {}).get(target.skill_id)) is not None and cell.mastered)
    }
    return sum(1 for target in targets if target.pk in behind)


def _new_work_items(
    teacher: Any,
    classes: list[tuple[accounts_api.ClassInfo, list[accounts_api.PersonInfo]]],
    *,
    since: datetime,
    seen_until: datetime | None,
) -> list[InboxItem]:
    names: dict[int, str] = {}
    class_of: dict[int, list[accounts_api.ClassInfo]] = defaultdict(list)
    for klass, learners in classes:
        for learner in learners:
            names[learner.id] = str(learner.name)
            class_of[learner.id].append(klass)
    courses = curriculum_api.class_course_ids_of(class_ids=[klass.id for klass, _ in classes])
    work = agency_api.new_work_for_teacher(teacher=teacher, learner_ids=sorted(names), since=since)
    items = []
    for piece in work:
        # the class it belongs to: the first of the learner's classes (of this teacher) that uses its course
        own = class_of[piece.learner_id]
        klass = next((k for k in own if piece.course_id in courses.get(k.id, ())), own[0])
        is_new = seen_until is None or piece.created_at > seen_until
        items.append(InboxItem(piece, names[piece.learner_id], klass.id, klass.name, is_new))
    return items


def inbox(*, teacher: Any, now: datetime) -> Inbox:
    """The teacher's inbox: who needs help now in each class, and the work and reflections of the last
    ``INBOX_DAYS`` days that the teacher may read, newest first, the ones since they last marked it seen
    as new."""
    state = inbox_state(teacher_id=teacher.pk)
    classes = _classes_with_learners(teacher)
    course_ids = _course_ids_of(classes)
    glance = _classes_at_a_glance(
        classes, course_ids, _course_titles({c for ids in course_ids.values() for c in ids}), now
    )
    return Inbox(
        items=_new_work_items(
            teacher, classes, since=now - timedelta(days=INBOX_DAYS), seen_until=state.seen_until
        ),
        flags=[flag for klass, _ in classes for flag in glance.flags[klass.id]],
        seen_until=state.seen_until,
        email_daily=state.email_daily,
    )


def _course_ids_of(
    classes: list[tuple[accounts_api.ClassInfo, list[accounts_api.PersonInfo]]],
) -> dict[int, list[str]]:
    found = curriculum_api.class_course_ids_of(class_ids=[klass.id for klass, _ in classes])
    return {klass.id: found.get(klass.id, []) for klass, _ in classes}


def inbox_work(*, teacher: Any, since: datetime) -> list[InboxItem]:
    """The work and reflections written after ``since`` that the teacher may read, newest first."""
    after = since + timedelta(microseconds=1)
    return _new_work_items(teacher, _classes_with_learners(teacher), since=after, seen_until=None)


def inbox_new_count(*, teacher: Any, now: datetime) -> int:
    """How many inbox items are new to the teacher (work and reflections since they last marked it seen)."""
    state = inbox_state(teacher_id=teacher.pk)
    since = now - timedelta(days=INBOX_DAYS)
    if state.seen_until is not None:
        since = max(since, state.seen_until + timedelta(microseconds=1))
    learner_ids = sorted({p.id for _, learners in _classes_with_learners(teacher) for p in learners})
    return len(agency_api.new_work_for_teacher(teacher=teacher, learner_ids=learner_ids, since=since))


def overview(*, teacher: Any, now: datetime) -> list[ClassSummary]:
    """Every class the teacher runs, at a glance: learners, courses, who needs help now, overdue targets
    (not yet mastered by all they apply to) and work new since the teacher last marked the inbox seen."""
    state = inbox_state(teacher_id=teacher.pk)
    classes = _classes_with_learners(teacher)
    course_ids = _course_ids_of(classes)
    titles = _course_titles({c for ids in course_ids.values() for c in ids})
    since = now - timedelta(days=INBOX_DAYS)
    new_by_class: dict[int, int] = defaultdict(int)
    for item in _new_work_items(teacher, classes, since=since, seen_until=state.seen_until):
        new_by_class[item.class_id] += item.is_new
    glance = _classes_at_a_glance(classes, course_ids, titles, now)
    return [
        ClassSummary(
            klass=klass,
            learners=len(learners),
            courses=[(c, titles[c]) for c in course_ids[klass.id]],
            needs_help=glance.flags[klass.id],
            targets_overdue=glance.overdue.get(klass.id, 0),
            new_work=new_by_class[klass.id],
        )
        for klass, learners in classes
    ]


# -- the class by standard (issue 14: CASE alignment, docs/decisions/0086-case-standards.md) ---------------


@dataclass(frozen=True)
class StandardRow:
    """One standard of the course: its code and statement, the skills aligned to it, and how far the
    class has come (learners who mastered every aligned skill)."""

    code: str
    short_code: str
    statement: str
    framework: str
    skills: tuple[tuple[str, str], ...]  # (skill id, name)
    mastered_by: int


@dataclass(frozen=True)
class StandardCell:
    mastered: int
    of: int

    @property
    def css(self) -> str:
        if self.mastered == self.of:
            return "heat-mastered"
        if self.mastered == 0:
            return "heat-none"
        return "heat-mid" if self.mastered * 2 >= self.of else "heat-low"


@dataclass(frozen=True)
class ClassStandards:
    frameworks: list[tuple[str, str]]
    standards: list[StandardRow]
    rows: list[tuple[int, str, tuple[StandardCell, ...]]]  # learner id, name, a cell per standard
    learners: int


def class_standards(*, class_id: int, course_id: str) -> ClassStandards:
    """The class's mastery grouped by the standards the course's skills are aligned to: a standard is
    mastered by a learner who mastered every skill aligned to it. A fixed number of queries."""
    aligned = curriculum_api.course_standards(course_id=course_id)
    names = dict(course_skills(course_id=course_id))
    order: list[str] = []
    found: dict[str, Any] = {}
    skills_of: dict[str, list[str]] = defaultdict(list)
    for skill_id, standards in aligned.items():
        for standard in standards:
            if standard.code not in found:
                order.append(standard.code)
                found[standard.code] = standard
            if skill_id not in skills_of[standard.code]:
                skills_of[standard.code].append(skill_id)
    learners = accounts_api.class_learners(class_id=class_id)
    cells = cells_by_learner(learner_ids=[learner.id for learner in learners], course_id=course_id)
    rows = []
    mastered_by: dict[str, int] = defaultdict(int)
    for learner in learners:
        mine = cells.get(learner.id, {})
        row = []
        for code in order:
            skill_ids = skills_of[code]
            done = sum(1 for s in skill_ids if (cell := mine.get(s)) is not None and cell.mastered)
            row.append(StandardCell(done, len(skill_ids)))
            mastered_by[code] += done == len(skill_ids)
        rows.append((learner.id, str(learner.name), tuple(row)))
    return ClassStandards(
        frameworks=curriculum_api.course_frameworks(course_id=course_id),
        standards=[
            StandardRow(
                code=code,
                short_code=found[code].short_code,
                statement=found[code].statement,
                framework=found[code].framework,
                skills=tuple((s, names.get(s, s)) for s in skills_of[code]),
                mastered_by=mastered_by[code],
            )
            for code in order
        ],
        rows=rows,
        learners=len(learners),
    )
